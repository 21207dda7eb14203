import Foundation
import FoundryTestSupport
import Testing

@testable import Tabular

struct TextTableTests {
    static let csv = "id,label\n1,SPAM\n2,\n3,0\n\"4\nfour\",HAM\n5,1\n"

    @Test func classIndicesAcceptNamesIndicesAndEmptyCells() throws {
        let table = try CSVReader.parse(Array(Self.csv.utf8), source: "l.csv")
        #expect(try table.classIndices(column: "label", classNames: ["HAM", "SPAM"]) == [1, -1, 0, 0, 1])
        #expect(TextTable.unknownClass == -1)
        // A class named like an index is found by its name first.
        let numeric = try CSVReader.parse(Array("y\n1\n0\n".utf8))
        #expect(try numeric.classIndices(column: "y", classNames: ["1", "0"]) == [0, 1])
    }

    @Test func unknownClassNamesFileLineAndColumn() throws {
        let folder = TemporaryDirectory()
        let url = try folder.write("labels.csv", "id,label\n1,SPAM\n\"2\nmultiline\",spam\n")
        let table = try CSVReader.read(url)
        #expect(
            throws: TabularError.malformedRow(
                path: url.path, line: 3,
                reason:
                    "column 'label': 'spam' is not a class (expected one of HAM, SPAM, an index 0…1, or an empty cell "
                    + "for unknown)")
        ) {
            try table.classIndices(column: "label", classNames: ["HAM", "SPAM"])
        }
        let outOfRange = try CSVReader.parse(Array("label\n2\n".utf8), source: "r.csv")
        #expect {
            try outOfRange.classIndices(column: "label", classNames: ["HAM", "SPAM"])
        } throws: { error in
            guard case let .malformedRow(path, line, reason) = error as? TabularError else { return false }
            return path == "r.csv" && line == 2 && reason.hasPrefix("column 'label': '2' is not a class")
        }
        #expect(throws: TabularError.unknownColumn(path: url.path, column: "gold", available: ["id", "label"])) {
            try table.classIndices(column: "gold", classNames: ["HAM", "SPAM"])
        }
    }
}
