/// # Cleaning
///
/// Say what clean data looks like and let Foundry find and fix what breaks it, with a person in the loop.
///
/// - ``Constraint`` values (column, cross-row, dataset-level, text and PII constraints) are written with the
///   ``ConstraintSet`` result builder or loaded from a YAML/JSON spec (``ConstraintSpec``); both build equal values.
/// - ``ConstraintSet/validate(_:options:)`` evaluates them over a ``CleaningTable`` into a ``ValidationReport``
///   (rendered as an aligned table, JSON or Markdown).
/// - ``RepairPlanner`` turns constraints that declare a ``Repair`` into a ``RepairPlan`` of row-level
///   ``ProposedChange``s with stable ids; ``ReviewDecisions`` records accept/reject decisions bound to a
///   fingerprint of the data; ``RepairPlan/apply(to:decisions:)`` yields a new table and a change log.
/// - ``NearDuplicateDetector`` (MinHash + LSH), ``PIIDetector`` (email, phone, credit card with Luhn, IPv4/IPv6).
/// - ``LabelIssueFinder``: confident learning (Northcutt, Jiang & Chuang 2021) with cleanlab 2.x filter modes.
///
/// Anchors: Great Expectations (`mostly`), AWS Deequ (severity), Pandera (failure cases), HoloClean (denial
/// constraints), cleanlab (confident learning).
public enum CleaningModule {}
