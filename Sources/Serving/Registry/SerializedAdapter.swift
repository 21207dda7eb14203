import Adapters
import Foundation

/// An adapter's files as stored — the bytes of PEFT's `adapter_config.json` and `adapter_model.safetensors` — held in
/// memory: the warm tier's unit.
///
/// Lossless: decoding gives exactly the values of the files (any dtype the safetensors reader accepts), and the bytes
/// can be written back as the same files.
public struct SerializedAdapter: Sendable, Equatable {
    /// The bytes of `adapter_config.json`.
    public var configuration: Data
    /// The bytes of `adapter_model.safetensors`.
    public var weights: Data
    /// Where the bytes came from (a folder, `repository@branch`), for error messages.
    public var origin: String

    /// Wraps the bytes of an adapter's two PEFT files.
    /// - Parameters:
    ///   - configuration: the bytes of `adapter_config.json`.
    ///   - weights: the bytes of `adapter_model.safetensors`.
    ///   - origin: where they came from, named in error messages.
    public init(configuration: Data, weights: Data, origin: String) {
        self.configuration = configuration
        self.weights = weights
        self.origin = origin
    }

    /// Serializes a decoded adapter in PEFT's layout (``LoRAAdapter/peftFiles(baseModel:)``; Float32 tensors).
    /// - Parameters:
    ///   - adapter: the adapter.
    ///   - origin: a name for error messages.
    /// - Throws: ``ServingError/internalFailure(reason:)`` when the configuration cannot be encoded.
    public init(adapter: LoRAAdapter, origin: String) throws {
        let files: [String: Data]
        do { files = try adapter.peftFiles() } catch {
            throw ServingError.internalFailure(reason: "cannot serialize adapter \(origin): \(error)")
        }
        guard let configuration = files[PEFTFolder.configurationName], let weights = files[PEFTFolder.weightsName]
        else { throw ServingError.internalFailure(reason: "cannot serialize adapter \(origin): PEFT files missing") }
        self.init(configuration: configuration, weights: weights, origin: origin)
    }

    /// The bytes held: both files together (what the adapter costs in the warm tier).
    public var byteCount: Int { configuration.count + weights.count }

    /// The files by name (`adapter_config.json`, `adapter_model.safetensors`), for writing them back.
    public var files: [String: Data] {
        [PEFTFolder.configurationName: configuration, PEFTFolder.weightsName: weights]
    }

    /// Decodes the adapter and checks that it fits `model` (``LoRAAdapter/validate(against:path:)``).
    ///
    /// An adapter that adapts only the first layers is padded with unadapted layers up to the model's layer count.
    /// - Parameters:
    ///   - model: the base model the adapter must fit.
    ///   - id: the adapter's id, named in errors.
    /// - Returns: the decoded adapter (the hot tier's form).
    /// - Throws: ``ServingError/adapterLoadFailed(id:reason:)`` naming the file when the bytes are not a PEFT LoRA
    ///   adapter; ``ServingError/adapterIncompatible(id:reason:)`` naming the mismatched layer and tensor when its
    ///   shapes do not fit `model` (another hidden size, more layers, a `[CLS]` head on a base without a pooler).
    /// - Complexity: O(bytes): one pass over the tensors.
    public func decode(for model: BertModel, id: String) throws -> LoRAAdapter {
        var adapter: LoRAAdapter
        do {
            adapter = try LoRAAdapter(peftConfiguration: configuration, weights: weights, path: origin)
        } catch let error as AdaptersError {
            throw ServingError.adapterLoadFailed(id: id, reason: Self.describe(error))
        } catch {
            throw ServingError.adapterLoadFailed(id: id, reason: "\(origin): \(error)")
        }
        if adapter.factors.count < model.layers.count {
            adapter.factors.append(
                contentsOf: repeatElement([:], count: model.layers.count - adapter.factors.count))
        }
        do {
            try adapter.validate(against: model, path: origin)
        } catch let error as AdaptersError {
            if case let .invalidAdapter(_, reason) = error {
                throw ServingError.adapterIncompatible(id: id, reason: reason)
            }
            throw ServingError.adapterIncompatible(id: id, reason: error.description)
        } catch {
            throw ServingError.adapterIncompatible(id: id, reason: "\(error)")
        }
        return adapter
    }

    /// A message naming the file for a decoding failure.
    static func describe(_ error: AdaptersError) -> String {
        switch error {
        case let .invalidAdapter(path, reason): "\(path): \(reason)"
        default: error.description
        }
    }

    /// Checks, without decoding any tensor, that the configuration is a JSON object and the weights file's header is
    /// complete and its tensors lie inside the file (what a truncated or overwritten file breaks).
    /// - Throws: ``ServingError/adapterLoadFailed(id:reason:)`` naming the file.
    func checkLayout(id: String) throws {
        let configurationPath = "\(origin)/\(PEFTFolder.configurationName)"
        let weightsPath = "\(origin)/\(PEFTFolder.weightsName)"
        guard (try? JSONSerialization.jsonObject(with: configuration)) is [String: Any] else {
            throw ServingError.adapterLoadFailed(id: id, reason: "\(configurationPath) is not a JSON object")
        }
        func fail(_ reason: String) -> ServingError {
            .adapterLoadFailed(id: id, reason: "invalid safetensors file \(weightsPath): \(reason)")
        }
        guard weights.count >= 8 else {
            throw fail("it is \(weights.count) bytes, shorter than the 8-byte header length")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(weights[weights.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(weights.count - 8) else {
            throw fail("header length \(headerLength) exceeds the \(weights.count - 8) bytes after it (truncated?)")
        }
        let start = weights.startIndex + 8
        let header = weights[start..<(start + Int(headerLength))]
        guard let entries = (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let dataCount = weights.count - 8 - Int(headerLength)
        for (name, value) in entries where name != "__metadata__" {
            guard let entry = value as? [String: Any], let offsets = entry["data_offsets"] as? [NSNumber],
                offsets.count == 2
            else { throw fail("tensor \(name) has no data_offsets") }
            guard offsets[0].int64Value >= 0, offsets[0].int64Value <= offsets[1].int64Value,
                offsets[1].int64Value <= Int64(dataCount)
            else {
                throw fail("tensor \(name) lies outside the \(dataCount)-byte data section (truncated?)")
            }
        }
    }
}
