import Foundation

/// The field names of a family of ``Record``s, shared by reference so that records stay small.
public final class RecordSchema: Sendable {
    /// Field names in order.
    public let fieldNames: [String]
    /// Where the records came from, for error messages.
    public let source: String
    private let indexByName: [String: Int]

    /// Creates a schema; when a name repeats, lookups find its first occurrence.
    public init(fieldNames: [String], source: String = "<memory>") {
        self.fieldNames = fieldNames
        self.source = source
        var index: [String: Int] = [:]
        for (position, name) in fieldNames.enumerated() where index[name] == nil { index[name] = position }
        indexByName = index
    }

    /// The position of the field called `name`, or `nil`.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// The position of the field called `name`.
    ///
    /// - Throws: ``TabularError/unknownColumn(path:column:available:)`` when there is no such field.
    public func requireIndex(of name: String) throws -> Int {
        guard let index = indexByName[name] else {
            throw TabularError.unknownColumn(path: source, column: name, available: fieldNames)
        }
        return index
    }
}

/// One example with named text fields: a row of a ``TextTable``, the usual input of labeling functions.
public struct Record: Sendable, Equatable {
    /// The shared field names.
    public let schema: RecordSchema
    /// The field values, one per schema field.
    public let values: [String]

    /// Creates a record; `values` must have one entry per schema field.
    public init(schema: RecordSchema, values: [String]) {
        precondition(values.count == schema.fieldNames.count, "one value per field")
        self.schema = schema
        self.values = values
    }

    /// Creates a record from name–value pairs (convenient in tests and small programs).
    public init(_ fields: KeyValuePairs<String, String>) {
        self.init(schema: RecordSchema(fieldNames: fields.map(\.key)), values: fields.map(\.value))
    }

    /// The value of the field called `name`, or `nil` when there is no such field.
    public subscript(name: String) -> String? {
        schema.index(of: name).map { values[$0] }
    }

    /// The value of the field called `name`.
    ///
    /// - Throws: ``TabularError/unknownColumn(path:column:available:)`` when there is no such field.
    public func value(_ name: String) throws -> String { values[try schema.requireIndex(of: name)] }

    /// The field called `name` parsed as a number (surrounding whitespace allowed).
    ///
    /// - Throws: ``TabularError/unknownColumn(path:column:available:)`` for a missing field and
    ///   ``TabularError/invalidValue(field:value:reason:)`` when the text is not a number.
    public func number(_ name: String) throws -> Double {
        let text = try value(name)
        guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw TabularError.invalidValue(field: name, value: text, reason: "not a number")
        }
        return number
    }

    /// Records are equal when their field names and values are.
    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.schema.fieldNames == rhs.schema.fieldNames && lhs.values == rhs.values
    }
}
