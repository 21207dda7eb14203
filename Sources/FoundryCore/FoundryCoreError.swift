import Foundation

/// Errors thrown by FoundryCore when a file or a value from outside the program is not what was expected.
public enum FoundryCoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// A file could not be read or written.
    case fileUnreadable(path: String, reason: String)
    /// A `.npy` file is malformed or uses a layout Foundry does not accept.
    case invalidNumPy(path: String, reason: String)
    /// A value is outside what the operation accepts.
    case invalidArgument(String)
    /// A LAPACK routine reported a failure.
    case lapackFailure(routine: String, info: Int)
    /// No BLAS library could be loaded; `tried` names each library tried and why it could not be used.
    case blasUnavailable(tried: [String])
    /// No library provides the LAPACKE routines; `tried` names each library tried and why it could not be used.
    case lapackUnavailable(tried: [String])
    /// An environment variable holds a value Foundry cannot use.
    case invalidEnvironment(variable: String, value: String, expected: String)
    /// Soft labels are not a distribution per row (or their shape is wrong); `row` is 0-based when one row is at fault.
    case invalidSoftLabels(source: String, row: Int?, reason: String)

    /// A one-line message naming the file or value and what was expected.
    public var description: String {
        switch self {
        case let .fileUnreadable(path, reason): return "\(path): \(reason)"
        case let .invalidNumPy(path, reason): return "\(path): not a valid .npy file for Foundry: \(reason)"
        case let .invalidArgument(message): return message
        case let .lapackFailure(routine, info): return "LAPACK \(routine) failed (info = \(info))"
        case let .blasUnavailable(tried):
            return "no usable BLAS library; tried \(tried.joined(separator: "; ")). Install OpenBLAS "
                + "(apt-get install libopenblas0) or set FOUNDRY_BLAS to a library with the CBLAS interface"
        case let .lapackUnavailable(tried):
            return "no library provides LAPACKE; tried \(tried.joined(separator: "; ")). Install LAPACKE "
                + "(apt-get install liblapacke) or set FOUNDRY_LAPACKE to a library that exports LAPACKE_dgesv"
        case let .invalidEnvironment(variable, value, expected):
            return "\(variable)=\(value) is not valid: expected \(expected)"
        case let .invalidSoftLabels(source, row, reason):
            return "\(source): \(row.map { "row \($0): " } ?? "")invalid soft labels: \(reason)"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
