import Foundation
import FoundryCore

extension LabelMatrix {
    /// Reads a label matrix from a 2-D integer `.npy` file (int8/int16/int32/int64, -1 = abstain).
    ///
    /// - Parameters:
    ///   - url: the `.npy` file.
    ///   - cardinality: the number of classes k; when `nil`, the largest vote + 1 (at least 2).
    ///   - lfNames: names for the columns (default `lf_0`…).
    ///   - classNames: names for the classes (default `"0"`…); overrides `cardinality` when given.
    /// - Throws: ``LabelingError/invalidMatrix(source:reason:)`` for a non-2-D or floating-point array
    ///   or a vote outside `-1..<k` (naming row and column); FoundryCore errors for unreadable files.
    public init(numPyFile url: URL, cardinality: Int? = nil, lfNames: [String]? = nil, classNames: [String]? = nil)
        throws
    {
        let array = try NumPyArray(contentsOf: url)
        try self.init(
            numPy: array, cardinality: cardinality, lfNames: lfNames, classNames: classNames, source: url.path)
    }

    /// Converts a 2-D integer ``NumPyArray`` into a label matrix; see ``init(numPyFile:cardinality:lfNames:classNames:)``.
    public init(
        numPy array: NumPyArray, cardinality: Int? = nil, lfNames: [String]? = nil, classNames: [String]? = nil,
        source: String = "<memory>"
    ) throws {
        func fail(_ reason: String) -> LabelingError { .invalidMatrix(source: source, reason: reason) }
        guard array.shape.count == 2 else {
            throw fail("expected a 2-D array (rows × labeling functions), got shape \(array.shape)")
        }
        guard array.elementType.isInteger, array.elementType != .bool else {
            throw fail("expected integer votes (int8/int16/int32/int64), got \(array.elementType)")
        }
        let n = array.shape[0], m = array.shape[1]
        if let lfNames, lfNames.count != m { throw fail("\(lfNames.count) labeling-function names for \(m) columns") }
        let names = lfNames ?? Self.defaultLFNames(m)
        var builder: Builder?
        var maxVote = -1
        let k: Int
        if let classNames {
            k = classNames.count
        } else if let cardinality {
            k = cardinality
        } else {
            maxVote = array.withIntegerReader { read in (0..<(n * m)).reduce(-1) { max($0, read($1)) } }
            k = max(2, maxVote + 1)
        }
        guard k >= 2 else { throw fail("cardinality must be at least 2, got \(k)") }
        guard k <= Self.maximumDimension, m <= Self.maximumDimension else {
            throw fail("at most 65535 classes and labeling functions are supported")
        }
        let classes = classNames ?? Self.defaultClassNames(k)
        builder = Builder(lfNames: names, classNames: classes)
        try array.withIntegerReader { read in
            for row in 0..<n {
                for lf in 0..<m {
                    let value = read(row * m + lf)
                    if value == -1 { continue }
                    guard value >= 0, value < k else {
                        throw fail("row \(row), column \(lf): vote \(value) is outside -1 (abstain) … \(k - 1)")
                    }
                    builder?.appendVote(lf: lf, classIndex: value)
                }
                builder?.finishRow()
            }
        }
        guard let built = builder?.build() else { throw fail("internal error building the matrix") }
        self = built
    }

    /// The matrix as a dense 2-D ``NumPyArray`` of the smallest integer type that holds its votes.
    public func numPyArray() -> NumPyArray {
        let type: NumPyArray.ElementType = cardinality <= 127 ? .int8 : (cardinality <= 32767 ? .int16 : .int32)
        let m = lfCount
        var bytes = [UInt8](repeating: 0xFF, count: rowCount * m * type.byteWidth)  // all -1
        forEachVote { row, lf, cls in
            let offset = (row * m + lf) * type.byteWidth
            switch type {
            case .int8: bytes[offset] = UInt8(cls)
            case .int16: withUnsafeBytes(of: Int16(cls).littleEndian) { for i in 0..<2 { bytes[offset + i] = $0[i] } }
            default: withUnsafeBytes(of: Int32(cls).littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
            }
        }
        return NumPyArray(elementType: type, shape: [rowCount, m], bytes: bytes)
    }

    /// Writes the matrix as a `.npy` file (-1 = abstain), atomically.
    public func writeNumPy(to url: URL) throws { try numPyArray().write(to: url) }
}
