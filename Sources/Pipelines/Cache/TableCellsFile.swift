import Foundation
import FoundryCore
import Tabular

/// A table's cells in the binary layout the next step reads back fast (`table.cells` beside `table.csv` in a cache
/// entry): the CSV is for people and other tools, this file is for the pipeline. Reading the CSV back took about a
/// millisecond for 2,000 comments, the largest fixed cost of re-running a step after an edit; this layout needs no
/// parsing, only one string per cell.
///
/// Layout, little-endian: the magic `FDYCELL1`; the column and row counts (UInt32 each); each column name as a UInt32
/// byte length and its UTF-8; then `rows × columns + 1` UInt64 offsets into the cells' bytes, row by row, and the
/// bytes.
enum TableCellsFile {
    static let fileName = "table.cells"
    private static let magic = Array("FDYCELL1".utf8)

    /// The file's bytes for `table`.
    static func encode(_ table: TextTable) -> Data {
        var header: [UInt8] = magic
        func append<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(UInt32(table.columnNames.count), to: &header)
        append(UInt32(table.rowCount), to: &header)
        for name in table.columnNames {
            append(UInt32(name.utf8.count), to: &header)
            header.append(contentsOf: name.utf8)
        }
        var offsets: [UInt64] = [0]
        offsets.reserveCapacity(table.rowCount * table.columnNames.count + 1)
        var cells: [UInt8] = []
        for row in table.rows {
            for cell in row {
                var cell = cell
                cell.withUTF8 { cells.append(contentsOf: $0) }
                offsets.append(UInt64(cells.count).littleEndian)
            }
        }
        var data = Data(capacity: header.count + offsets.count * 8 + cells.count)
        data.append(contentsOf: header)
        offsets.withUnsafeBytes { data.append(contentsOf: $0) }
        data.append(contentsOf: cells)
        return data
    }

    /// The column names and rows in `data`, or nil when it is not a complete, valid cells file (the caller then reads
    /// the CSV).
    static func decode(_ data: Data) -> (columnNames: [String], rows: [[String]])? {
        let bytes = [UInt8](data)
        return bytes.withUnsafeBufferPointer { raw -> (columnNames: [String], rows: [[String]])? in
            var position = 0
            func read<Value: FixedWidthInteger>(_: Value.Type) -> Value? {
                guard position + MemoryLayout<Value>.size <= raw.count else { return nil }
                defer { position += MemoryLayout<Value>.size }
                return Value(
                    littleEndian: UnsafeRawBufferPointer(raw).loadUnaligned(fromByteOffset: position, as: Value.self))
            }
            guard raw.count >= magic.count, raw.prefix(magic.count).elementsEqual(magic) else { return nil }
            position = magic.count
            guard let columns = read(UInt32.self).map(Int.init), let rowCount = read(UInt32.self).map(Int.init)
            else { return nil }
            var names: [String] = []
            for _ in 0..<columns {
                guard let length = read(UInt32.self).map(Int.init), position + length <= raw.count,
                    let name = String(validating: raw[position..<(position + length)], as: UTF8.self)
                else { return nil }
                names.append(name)
                position += length
            }
            // Counts from a damaged header must not overflow: they are checked against the file's size first.
            let (cellCount, overflow) = rowCount.multipliedReportingOverflow(by: columns)
            guard !overflow, cellCount < raw.count / 8 else { return nil }
            let offsetsStart = position
            let cellsStart = offsetsStart + (cellCount + 1) * 8
            guard cellsStart <= raw.count else { return nil }
            // The cells' bytes are checked once, whole; each cell then starts on a character (not inside one), so
            // every cell is well-formed and decodes without repairs.
            let cellBytes = UnsafeBufferPointer(rebasing: raw[cellsStart...])
            guard UTF8Validation.firstInvalidOffset(cellBytes) == nil else { return nil }
            var ends = [Int](repeating: 0, count: cellCount + 1)
            var previous = 0
            for index in 0...cellCount {
                let end = Int(
                    truncatingIfNeeded: UInt64(
                        littleEndian: UnsafeRawBufferPointer(raw).loadUnaligned(
                            fromByteOffset: offsetsStart + index * 8, as: UInt64.self)))
                guard end >= previous, end <= cellBytes.count,
                    end == cellBytes.count || cellBytes[end] & 0xC0 != 0x80
                else { return nil }
                ends[index] = end
                previous = end
            }
            guard ends[0] == 0, ends[cellCount] == cellBytes.count else { return nil }
            var rows: [[String]] = []
            rows.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                var cells: [String] = []
                cells.reserveCapacity(columns)
                for column in 0..<columns {
                    let index = row * columns + column
                    cells.append(
                        String(
                            decoding: UnsafeBufferPointer(rebasing: cellBytes[ends[index]..<ends[index + 1]]),
                            as: UTF8.self))
                }
                rows.append(cells)
            }
            return (names, rows)
        }
    }
}
