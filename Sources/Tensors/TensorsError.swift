/// Errors raised by the Tensors module for files that cannot be read, written or parsed.
public enum TensorsError: Error, Equatable, CustomStringConvertible {
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A `.safetensors` file is malformed (bad header, truncated data, out-of-range offsets, unknown dtype).
    case invalidSafeTensors(path: String, reason: String)

    /// A one-line message naming the file and what was expected.
    public var description: String {
        switch self {
        case let .io(path, reason): "cannot access \(path): \(reason)"
        case let .invalidSafeTensors(path, reason): "invalid safetensors file \(path): \(reason)"
        }
    }
}
