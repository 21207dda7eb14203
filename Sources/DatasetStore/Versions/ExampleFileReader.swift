import Foundation

/// Reads examples from JSON Lines files: one JSON object per line, with an id field and a text field;
/// every other key becomes a field (strings as-is, other values as compact JSON).
public enum ExampleFileReader {
    /// Reads a JSONL file into examples.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - idField: the key holding the example id (a string or an integer).
    ///   - textField: the key holding the text (a string).
    /// - Returns: the examples in file order (blank lines skipped).
    /// - Throws: ``DatasetStoreError/invalidFile(path:line:reason:)`` naming the line for invalid UTF-8, a line
    ///   that is not a JSON object, or a missing or mistyped id/text field.
    /// - Complexity: O(file size).
    public static func readJSONL(_ url: URL, idField: String = "id", textField: String = "text") throws -> [Example] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DatasetStoreError.invalidFile(
                path: url.path, line: 0, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parseJSONL(data, source: url.path, idField: idField, textField: textField)
    }

    /// Parses JSONL held in memory; see ``readJSONL(_:idField:textField:)``.
    public static func parseJSONL(
        _ data: Data, source: String = "<memory>", idField: String = "id", textField: String = "text"
    ) throws -> [Example] {
        var examples: [Example] = []
        var lineNumber = 0
        for lineBytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ reason: String) -> DatasetStoreError {
                .invalidFile(path: source, line: lineNumber, reason: reason)
            }
            guard let line = String(bytes: lineBytes, encoding: .utf8) else { throw fail("text is not valid UTF-8") }
            if line.allSatisfy(\.isWhitespace) { continue }
            let object: [String: Any]
            do {
                guard
                    let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
                        as? [String: Any]
                else { throw fail("expected a JSON object") }
                object = parsed
            } catch let error as DatasetStoreError {
                throw error
            } catch {
                throw fail("not valid JSON")
            }
            let id: String
            switch object[idField] {
            case let value as String: id = value
            case let value as Int: id = String(value)
            case nil: throw fail("no '\(idField)' field (use --id-field)")
            default: throw fail("'\(idField)' must be a string or an integer")
            }
            guard let text = object[textField] as? String else {
                throw fail(
                    object[textField] == nil
                        ? "no '\(textField)' field (use --text-field)" : "'\(textField)' must be a string")
            }
            var fields: [String: String] = [:]
            for (key, value) in object where key != idField && key != textField {
                fields[key] = try render(value, fail: fail)
            }
            examples.append(Example(id: id, text: text, fields: fields))
        }
        return examples
    }

    private static func render(_ value: Any, fail: (String) -> DatasetStoreError) throws -> String {
        switch value {
        case let string as String: return string
        case is NSNull: return ""
        default:
            guard
                let data = try? JSONSerialization.data(
                    withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
                let text = String(data: data, encoding: .utf8)
            else { throw fail("a field value cannot be rendered as JSON") }
            return text
        }
    }
}
