import Adapters
import DatasetStore
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tabular

/// The flows run against the dataset store: each step reads a stored version (or the artifact before it) and writes
/// its output back, derived from its input, so that `store lineage` shows version → label matrix → soft labels →
/// adapter and erasing an example marks all of them stale.
///
/// Every read and write is authorized and audited as the given principal; each step's writes are one unit of work
/// (nothing of a failed step is stored). Long computations (applying, fitting, training) run outside any transaction.
public enum StoredFlows {
    /// A stored version's rows as a table: columns `id`, `text`, then the other fields by name.
    ///
    /// - Returns: the table (its source is `dataset@version`) and the version's metadata.
    /// - Throws: ``DatasetStoreError`` for an unknown dataset or version or missing rights.
    public static func table<Store: DatasetStore>(
        of reference: DatasetReference, in store: Store, as principal: Principal
    ) throws -> (table: TextTable, version: DatasetVersion) {
        let version = try store.version(reference.version, of: reference.dataset, as: principal)
        let examples = try store.examples(of: reference.dataset, version: version.id, as: principal)
        var fieldNames = Set<String>()
        for example in examples { fieldNames.formUnion(example.fields.keys) }
        let extra = fieldNames.subtracting(["id", "text"]).sorted()
        let rows = examples.map { example in [example.id, example.text] + extra.map { example.fields[$0] ?? "" } }
        let table = TextTable(
            source: "\(reference.dataset)@\(version.id.prefix(12))", columnNames: ["id", "text"] + extra, rows: rows,
            lineNumbers: rows.indices.map { $0 + 1 })
        return (table, version)
    }

    /// Applies labeling functions to a stored version and stores the label matrix (with its LF names) on it.
    ///
    /// - Parameters:
    ///   - options: as for a file; the text field is usually `text`.
    ///   - name: the label matrix's name on the version.
    /// - Returns: the application's outcome and the stored artifact.
    /// - Throws: the errors of ``TableLabeling/run(table:spec:options:progress:cancellation:)`` and the store's.
    public static func label<Store: DatasetStore>(
        _ reference: DatasetReference, spec: LFSpec, options: TableLabeling.Options, name: String, store: Store,
        as principal: Principal, progress: ProgressHandler? = nil
    ) throws -> (outcome: TableLabeling.Outcome, artifact: Artifact) {
        let (table, version) = try Self.table(of: reference, in: store, as: principal)
        let outcome = try TableLabeling.run(table: table, spec: spec, options: options, progress: progress)
        let artifact = try store.storeLabelMatrix(
            outcome.labelMatrix, name: name, dataset: reference.dataset, version: version.id, derivedFrom: nil,
            as: principal)
        return (outcome, artifact)
    }

    /// The artifact of `kind` on the referenced version: the one called `name`, or the only one when `name` is nil.
    ///
    /// - Throws: ``FlowsError/missingArtifact(kind:dataset:version:)`` when there is none;
    ///   ``FlowsError/ambiguousArtifact(kind:dataset:version:names:)`` when several exist and none was named;
    ///   ``DatasetStoreError`` from the store.
    public static func artifact<Store: DatasetStore>(
        _ kind: ArtifactKind, named name: String?, on reference: DatasetReference, store: Store,
        as principal: Principal
    ) throws -> Artifact {
        let version = try store.version(reference.version, of: reference.dataset, as: principal)
        if let name {
            return try store.artifact(
                kind: kind, name: name, dataset: reference.dataset, version: version.id, as: principal)
        }
        let candidates = try store.lineage(of: reference.dataset, staleOnly: false, as: principal)
            .filter { $0.kind == kind && $0.version == version.id }
        guard let only = candidates.first else {
            throw FlowsError.missingArtifact(kind: kind.rawValue, dataset: reference.dataset, version: version.id)
        }
        guard candidates.count == 1 else {
            throw FlowsError.ambiguousArtifact(
                kind: kind.rawValue, dataset: reference.dataset, version: version.id, names: candidates.map(\.name))
        }
        return only
    }

    /// Stores a label model's soft labels for a stored label matrix, derived from it, with the label-model file.
    ///
    /// - Throws: ``FlowsError/mismatch(_:)`` when the labels' rows differ from the matrix's; the store's errors.
    public static func storeSoftLabels<Store: DatasetStore>(
        _ softLabels: SoftLabels, labelModel: LabelModelFile, derivedFrom matrix: Artifact, name: String,
        store: Store, as principal: Principal
    ) throws -> Artifact {
        let file = String(decoding: try labelModel.encoded(), as: UTF8.self)
        return try store.storeSoftLabels(
            softLabels, name: name, labelModelMethod: labelModel.method.rawValue, labelModelFile: file,
            dataset: matrix.dataset, version: matrix.version, derivedFrom: matrix.id, as: principal)
    }

    /// A training corpus from a stored version and soft labels stored on it: the version's texts with their soft
    /// labels. Rows with stored gold labels become the validation rows (early stopping and the adapter's score) and
    /// leave training — at most a fifth of the version, drawn with `seed` when more rows have gold labels, so that a
    /// fully labelled version still trains on the rest.
    ///
    /// - Parameters:
    ///   - softLabels: the soft-label artifact (see ``artifact(_:named:on:store:as:)``).
    ///   - seed: draws the validation rows when gold labels cover more than a fifth of the version.
    /// - Throws: ``FlowsError/mismatch(_:)`` when the soft labels do not match the version's rows.
    public static func trainingCorpus<Store: DatasetStore>(
        softLabels artifact: Artifact, store: Store, as principal: Principal, seed: UInt64 = 0
    ) throws -> TrainingCorpus {
        let reference = DatasetReference(dataset: artifact.dataset, version: artifact.version)
        let (table, _) = try Self.table(of: reference, in: store, as: principal)
        let stored = try store.softLabels(artifact: artifact.id, as: principal)
        let texts = try table.column("text")
        let ids = try table.column("id")
        guard stored.softLabels.rowCount == texts.count else {
            throw FlowsError.mismatch(
                "soft labels '\(artifact.name)' have \(stored.softLabels.rowCount) rows, \(table.source) has \(texts.count)"
            )
        }
        let gold = try store.goldLabels(dataset: artifact.dataset, version: artifact.version, as: principal)
        var held = ids.indices.filter { gold[ids[$0]] != nil }
        let limit = texts.count / 5
        if held.count > limit {
            var generator = SeededGenerator(seed: seed ^ 0x5EED_7A11)
            held = Array(held.shuffled(using: &generator).prefix(limit)).sorted()
        }
        let heldSet = Set(held)
        let summary = TrainingCorpus.LabelModelSummary(method: stored.labelModelMethod)
        let validation =
            held.isEmpty
            ? nil
            : try TrainingCorpus.LabeledTexts(
                texts: held.map { texts[$0] }, labels: held.map { gold[ids[$0]] ?? -1 })
        let corpus = try TrainingCorpus(
            name: table.source, texts: texts, softLabels: stored.softLabels, validation: validation,
            labelModel: summary)
        return held.isEmpty ? corpus : try corpus.keepingRows(ids.indices.filter { !heldSet.contains($0) })
    }

    /// Stores a trained adapter (its files, configuration and metrics) derived from the soft labels it learned from.
    ///
    /// - Throws: the adapter's encoding errors and the store's.
    public static func storeAdapter<Store: DatasetStore>(
        _ outcome: AdapterTraining.Outcome, derivedFrom softLabels: Artifact, name: String, store: Store,
        as principal: Principal
    ) throws -> Artifact {
        try store.recordArtifact(
            kind: .adapter, name: name, details: try FoundryJSON.string(outcome.result), files: try outcome.files(),
            derivedFrom: softLabels.id, dataset: softLabels.dataset, version: softLabels.version, as: principal)
    }
}
