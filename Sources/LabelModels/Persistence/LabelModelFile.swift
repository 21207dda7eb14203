import Foundation

/// Versioned JSON persistence for any fitted label model; decoding gives back a model that predicts the same bits.
public struct LabelModelFile: Codable, Sendable {
    /// The format version written by this library.
    public static let currentFormatVersion = 1

    /// The format version of the file.
    public var formatVersion: Int
    /// The method name (`mv`, `wmv`, `ds`, `moments`, `triplet`, `auto`).
    public var method: String
    /// The model.
    public var model: any LabelModel & Codable

    /// Wraps a fitted model for saving.
    public init(_ model: any LabelModel & Codable) {
        formatVersion = Self.currentFormatVersion
        method = type(of: model).methodName
        self.model = model
    }

    private enum CodingKeys: String, CodingKey { case formatVersion = "format_version", method, model }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        guard formatVersion == Self.currentFormatVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: container,
                debugDescription:
                    "unsupported format version \(formatVersion) (this library reads \(Self.currentFormatVersion))")
        }
        method = try container.decode(String.self, forKey: .method)
        switch method {
        case MajorityVote.methodName: model = try container.decode(MajorityVote.self, forKey: .model)
        case WeightedMajorityVote.methodName: model = try container.decode(WeightedMajorityVote.self, forKey: .model)
        case DawidSkene.methodName: model = try container.decode(DawidSkene.self, forKey: .model)
        case MomentMatching.methodName: model = try container.decode(MomentMatching.self, forKey: .model)
        case Triplet.methodName: model = try container.decode(Triplet.self, forKey: .model)
        case AutoLabelModel.methodName: model = try container.decode(AutoLabelModel.self, forKey: .model)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .method, in: container, debugDescription: "unknown label-model method '\(method)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(method, forKey: .method)
        try model.encode(to: container.superEncoder(forKey: .model))
    }

    /// Writes the model as JSON, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
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
        do { return try JSONDecoder().decode(LabelModelFile.self, from: data) } catch let error as DecodingError {
            if case let .dataCorrupted(context) = error, context.codingPath.isEmpty {
                throw LabelModelsError.invalidModelFile(
                    path: url.path,
                    reason:
                        "not a label model file: expected the JSON `foundry labelmodel fit` writes (\(context.debugDescription))"
                )
            }
            throw LabelModelsError.invalidModelFile(path: url.path, reason: Self.describe(error))
        }
    }

    /// Fits a model by method name (`mv`, `wmv`, `ds`, `moments`, `triplet`, `auto`).
    public static func makeModel(method: String) throws -> any LabelModel & Codable {
        switch method {
        case MajorityVote.methodName: return MajorityVote()
        case WeightedMajorityVote.methodName: return WeightedMajorityVote()
        case DawidSkene.methodName: return DawidSkene()
        case MomentMatching.methodName: return MomentMatching()
        case Triplet.methodName: return Triplet()
        case AutoLabelModel.methodName: return AutoLabelModel()
        default:
            throw LabelModelsError.invalidInput(
                "unknown method '\(method)'; expected mv, wmv, ds, moments, triplet or auto")
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
