import Foundation

/// The JSON of the cache's own files (manifests, artifacts, the run state): Swift's key names as declared, sorted,
/// read back by the same code. Files meant for people and other programs (`run.json`, reports) use `FoundryJSON`.
enum PipelineJSON {
    static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from url: URL) throws -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PipelinesError.cacheCorrupted(path: url.path, reason: "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw PipelinesError.cacheCorrupted(path: url.path, reason: "not the expected JSON (\(error))")
        }
    }
}
