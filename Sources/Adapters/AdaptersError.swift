import Foundation
import Tensors

/// Errors raised by the Adapters module for bad files, bad configuration and bad input.
///
/// Failures of the Tensors module underneath (an unreadable or malformed `.safetensors` file) reach callers as the
/// matching cases here, so that everything the Adapters API throws is an `AdaptersError`.
public enum AdaptersError: Error, Equatable, CustomStringConvertible {
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A `.safetensors` file is malformed (bad header, truncated data, out-of-range offsets, unknown dtype).
    case invalidSafeTensors(path: String, reason: String)
    /// A JSON configuration file (`config.json`, `adapter_config.json`) is malformed or unsupported.
    case invalidConfiguration(path: String, reason: String)
    /// A model directory lacks a required file or tensor, or a tensor has the wrong shape.
    case invalidModel(path: String, reason: String)
    /// An adapter does not fit the base model (another architecture, wrong shapes) or is malformed.
    case invalidAdapter(path: String, reason: String)
    /// A training or adapter parameter is out of range (for example a rank ≤ 0).
    case invalidParameter(name: String, reason: String)
    /// Input data (texts, labels) is unusable.
    case invalidInput(reason: String)

    /// A one-line message naming the file, parameter or input and what was expected.
    public var description: String {
        switch self {
        case let .io(path, reason): "cannot access \(path): \(reason)"
        case let .invalidSafeTensors(path, reason): "invalid safetensors file \(path): \(reason)"
        case let .invalidConfiguration(path, reason): "invalid configuration \(path): \(reason)"
        case let .invalidModel(path, reason): "invalid model \(path): \(reason)"
        case let .invalidAdapter(path, reason): "invalid adapter \(path): \(reason)"
        case let .invalidParameter(name, reason): "invalid parameter \(name): \(reason)"
        case let .invalidInput(reason): "invalid input: \(reason)"
        }
    }
}

extension AdaptersError {
    /// The Adapters error for a failure of the Tensors module (same file, same reason).
    init(_ error: TensorsError) {
        switch error {
        case let .io(path, reason): self = .io(path: path, reason: reason)
        case let .invalidSafeTensors(path, reason): self = .invalidSafeTensors(path: path, reason: reason)
        }
    }

    /// Reads a `.safetensors` file, reporting failures as ``AdaptersError``.
    static func readSafeTensors(_ url: URL) throws -> SafeTensors {
        do {
            return try SafeTensors(contentsOf: url)
        } catch let error as TensorsError {
            throw AdaptersError(error)
        }
    }
}
