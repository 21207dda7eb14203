import Cleaning
import Foundation

/// A dedicated loader for the SMS Spam Collection TSV used by `foundry bench clean`: no header, no quoting, one
/// `label<TAB>text` per line (as pandas reads it with `sep="\t", quoting=3`).
enum SMSCollection {
    /// The dataset file under `$FOUNDRY_DATA` (default `/work/shared/datasets`, i.e. `../shared/datasets` from the package).
    static func defaultFile() -> URL {
        let root = ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "/work/shared/datasets"
        return URL(fileURLWithPath: root).appendingPathComponent("uci_sms_spam_collection/SMSSpamCollection.tsv")
    }

    /// The labels and texts, in file order.
    ///
    /// - Throws: ``CommandFailure`` naming the file (and 1-based line) when it cannot be read, a line has no tab or
    ///   is not UTF-8.
    static func load(_ url: URL) throws -> (labels: [String], texts: [String]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CommandFailure(
                "\(url.path): cannot read the SMS Spam Collection (\(error.localizedDescription)); pass --data FILE or "
                    + "set FOUNDRY_DATA to the folder holding uci_sms_spam_collection/")
        }
        var labels: [String] = [], texts: [String] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0, line = 1
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                var stop = end
                if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
                if stop > start {
                    guard let tab = (start..<stop).first(where: { bytes[$0] == 0x09 }) else {
                        throw CommandFailure("\(url.path):\(line): expected label<TAB>text")
                    }
                    guard
                        let label = String(
                            validating: UnsafeBufferPointer(rebasing: bytes[start..<tab]), as: UTF8.self),
                        let text = String(
                            validating: UnsafeBufferPointer(rebasing: bytes[(tab + 1)..<stop]), as: UTF8.self)
                    else { throw CommandFailure("\(url.path):\(line): not valid UTF-8") }
                    labels.append(label)
                    texts.append(text)
                }
                start = end + 1
                line += 1
            }
        }
        return (labels, texts)
    }

    /// The collection cycled to `rows` rows as a table with columns `id` (0..<rows), `label`, `text`.
    ///
    /// - Throws: ``CommandFailure`` as ``load(_:)`` does, and when the file has no lines.
    static func table(rows: Int, from url: URL) throws -> CleaningTable {
        let (labels, texts) = try load(url)
        guard !labels.isEmpty else { throw CommandFailure("\(url.path): no label<TAB>text lines") }
        let ids = (0..<rows).map { Optional(String($0)) }
        let labelColumn = (0..<rows).map { Optional(labels[$0 % labels.count]) }
        let textColumn = (0..<rows).map { Optional(texts[$0 % texts.count]) }
        return CleaningTable(
            source: url.path, columnNames: ["id", "label", "text"], columns: [ids, labelColumn, textColumn])
    }
}
