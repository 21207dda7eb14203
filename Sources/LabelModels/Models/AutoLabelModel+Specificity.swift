import Labeling

extension AutoLabelModel {
    /// The class weights of ``Choice/majorityVoteTiesBySpecificity``, or `nil` when that tie-break does not apply.
    ///
    /// It applies when every LF that votes votes a single class (keyword LFs) and at least two classes are voted:
    /// each class then weighs the inverse of its share of all votes, so where MV leaves classes tied, the class whose
    /// LFs vote least often takes most of the tied share. A keyword LF whose class is voted more often than the others
    /// fires more often on rows of other classes (WRENCH Hausa: the "World" LF votes on 60 % of the rows, its class is
    /// 28 % of them), so the narrower keyword is the better evidence. Classes nobody votes weigh 0 (they are never
    /// tied at the top of a row with votes).
    static func specificityWeights(_ matrix: LabelMatrix) -> [Double]? {
        let k = matrix.cardinality, m = matrix.lfCount
        guard k >= 2 else { return nil }
        var classOfLF = [Int](repeating: -1, count: m)
        var votes = [Double](repeating: 0, count: k)
        for index in matrix.voteLFs.indices {
            let lf = Int(matrix.voteLFs[index]), label = Int(matrix.voteClasses[index])
            if classOfLF[lf] == -1 {
                classOfLF[lf] = label
            } else if classOfLF[lf] != label {
                return nil  // a multi-class LF: its votes carry no keyword's specificity
            }
            votes[label] += 1
        }
        let total = votes.reduce(0, +)
        guard votes.filter({ $0 > 0 }).count >= 2, total > 0 else { return nil }
        return votes.map { $0 > 0 ? total / $0 : 0 }
    }
}
