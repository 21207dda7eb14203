import Foundation
import FoundryCore

/// Versioned JSON persistence for any fitted label model; decoding gives back a model that predicts the same bits.
public struct LabelModelFile: Codable, Sendable {
    /// The format version written by this library.
    public static let currentFormatVersion = 1

    /// The format version of the file.
    public var formatVersion: Int
    /// The method that fitted the model.
    public var method: LabelModelMethod
    /// The model.
    public var model: any LabelModel & Codable

    /// Wraps a fitted model for saving.
    ///
    /// - Precondition: `model` is one of this library's models (its `methodName` is a ``LabelModelMethod``).
    public init(_ model: any LabelModel & Codable) {
        let name = type(of: model).methodName
        guard let method = LabelModelMethod(rawValue: name) else {
            preconditionFailure("LabelModelFile saves this library's models only, not '\(name)'")
        }
        formatVersion = Self.currentFormatVersion
        self.method = method
        self.model = model
    }

    private enum CodingKeys: String, CodingKey { case formatVersion = "format_version", method, model }

    /// Decodes a model file, checking its format version and method.
    ///
    /// - Throws: `DecodingError` for another format version, an unknown method or a malformed model.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        guard formatVersion == Self.currentFormatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: container,
                debugDescription:
                    "unsupported format version \(formatVersion) (this library reads \(Self.currentFormatVersion))")
        }
        let name = try container.decode(String.self, forKey: .method)
        guard let method = LabelModelMethod(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .method, in: container,
                debugDescription: "unknown label-model method '\(name)'; expected "
                    + LabelModelMethod.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.method = method
        switch method {
        case .mv: model = try container.decode(MajorityVote.self, forKey: .model)
        case .wmv: model = try container.decode(WeightedMajorityVote.self, forKey: .model)
        case .ds: model = try container.decode(DawidSkene.self, forKey: .model)
        case .moments: model = try container.decode(MomentMatching.self, forKey: .model)
        case .triplet: model = try container.decode(Triplet.self, forKey: .model)
        case .auto: model = try container.decode(AutoLabelModel.self, forKey: .model)
        }
    }

    /// Encodes the format version, the method and the model.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(method, forKey: .method)
        try model.encode(to: container.superEncoder(forKey: .model))
    }

    /// Writes the model as JSON (keys as the model types declare them, sorted), all or nothing.
    ///
    /// - Throws: `EncodingError` for a model that cannot be encoded (a non-finite parameter);
    ///   ``FoundryCoreError/fileUnreadable(path:reason:)`` when the file cannot be written.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    /// The file's bytes: the model as JSON (keys as the model types declare them, sorted), as ``write(to:)`` writes it.
    ///
    /// - Throws: `EncodingError` for a model that cannot be encoded (a non-finite parameter).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a model file.
    ///
    /// - Throws: ``LabelModelsError/invalidModelFile(path:reason:)`` naming the file and the problem.
    public static func read(from url: URL) throws -> LabelModelFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LabelModelsError.invalidModelFile(
                path: url.path, reason: "cannot read file (\(error.localizedDescription))")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes a model file's bytes (as ``encoded()`` produces them, or as stored with soft labels).
    ///
    /// - Parameter source: names the bytes in errors (a path, an artifact).
    /// - Throws: ``LabelModelsError/invalidModelFile(path:reason:)`` naming the source and the problem.
    public static func decode(_ data: Data, source: String) throws -> LabelModelFile {
        do { return try JSONDecoder().decode(LabelModelFile.self, from: data) } catch let error as DecodingError {
            if case let .dataCorrupted(context) = error, context.codingPath.isEmpty {
                throw LabelModelsError.invalidModelFile(
                    path: source,
                    reason:
                        "not a label model file: expected the JSON `foundry labelmodel fit` writes (\(context.debugDescription))"
                )
            }
            throw LabelModelsError.invalidModelFile(path: source, reason: Self.describe(error))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .dataCorrupted(context), let .keyNotFound(_, context), let .typeMismatch(_, context),
            let .valueNotFound(_, context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
