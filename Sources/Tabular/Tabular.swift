/// # Tabular
///
/// The file layer every other data module reads and writes through: ``TextTable`` and ``Record`` (named text
/// fields), RFC 4180 CSV / TSV (``CSVReader``) and JSON Lines (``JSONLReader``) readers, a strict JSON parser
/// (``JSONValue``), whole-file reading with UTF-8 validation (``FileBytes``, ``UTF8Validation``), the dataset
/// catalog (``DatasetCatalog``), and the one spec layer every spec kind reads through (``SpecDocument``,
/// ``SpecNode``, ``SpecLimits``: YAML or JSON to a tree whose every value knows its line and key path). Errors are
/// ``TabularError`` values naming the file, line, column or key.
public enum Tabular {}
