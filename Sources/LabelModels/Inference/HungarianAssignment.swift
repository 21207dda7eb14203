/// The Hungarian (Kuhn–Munkres) algorithm: a minimum-cost perfect assignment on a square cost matrix.
///
/// - Complexity: O(n³).
enum HungarianAssignment {
    /// `result[row]` is the column assigned to `row`, minimising the total of `cost[row·n + result[row]]`.
    static func solve(cost: [Double], size n: Int) -> [Int] {
        precondition(cost.count == n * n, "cost matrix must be n × n")
        guard n > 0 else { return [] }
        // Potentials formulation with 1-based helper arrays (column 0 is a sentinel).
        var u = [Double](repeating: 0, count: n + 1), v = u
        var owner = [Int](repeating: 0, count: n + 1), way = owner
        for row in 1...n {
            owner[0] = row
            var column = 0
            var minimum = [Double](repeating: .infinity, count: n + 1)
            var used = [Bool](repeating: false, count: n + 1)
            repeat {
                used[column] = true
                let current = owner[column]
                var delta = Double.infinity
                var next = 0
                for candidate in 1...n where !used[candidate] {
                    let reduced = cost[(current - 1) * n + (candidate - 1)] - u[current] - v[candidate]
                    if reduced < minimum[candidate] {
                        minimum[candidate] = reduced
                        way[candidate] = column
                    }
                    if minimum[candidate] < delta {
                        delta = minimum[candidate]
                        next = candidate
                    }
                }
                for candidate in 0...n {
                    if used[candidate] {
                        u[owner[candidate]] += delta
                        v[candidate] -= delta
                    } else {
                        minimum[candidate] -= delta
                    }
                }
                column = next
            } while owner[column] != 0
            repeat {
                let previous = way[column]
                owner[column] = owner[previous]
                column = previous
            } while column != 0
        }
        var assignment = [Int](repeating: 0, count: n)
        for column in 1...n where owner[column] > 0 { assignment[owner[column] - 1] = column - 1 }
        return assignment
    }
}
