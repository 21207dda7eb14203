/// Spectral projected gradient (Birgin, Martínez & Raydan 2000) for smooth objectives on a box.
///
/// Barzilai–Borwein step lengths with a non-monotone Armijo line search; stops when the projected
/// gradient step is below `tolerance` (in the max norm) or the relative objective change stalls.
struct ProjectedGradient {
    var lower: Double
    var upper: Double
    var tolerance: Double = 1e-9
    var maxIterations: Int = 20_000
    var memory: Int = 10

    struct Result {
        var solution: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    /// Minimises `objective` (returning value and gradient) from `start`.
    func minimize(start: [Double], objective: ([Double]) -> (value: Double, gradient: [Double])) -> Result {
        var x = start.map(project)
        var (value, gradient) = objective(x)
        var history = [value]
        var step = 1.0
        let largestGradient = gradient.reduce(0) { max($0, abs($1)) }
        if largestGradient > 0 { step = 1 / largestGradient }
        for iteration in 1...maxIterations {
            var direction = [Double](repeating: 0, count: x.count)
            var projectedNorm = 0.0, slope = 0.0
            for i in x.indices {
                direction[i] = project(x[i] - step * gradient[i]) - x[i]
                projectedNorm = max(projectedNorm, abs(project(x[i] - gradient[i]) - x[i]))
                slope += gradient[i] * direction[i]
            }
            if projectedNorm < tolerance || slope >= 0 {
                return Result(solution: x, value: value, iterations: iteration, converged: true)
            }
            let reference = history.suffix(memory).max() ?? value
            var lambda = 1.0
            var candidate = x, candidateValue = value, candidateGradient = gradient
            while true {
                for i in x.indices { candidate[i] = x[i] + lambda * direction[i] }
                (candidateValue, candidateGradient) = objective(candidate)
                if candidateValue <= reference + 1e-4 * lambda * slope || lambda < 1e-12 { break }
                lambda *= 0.5
            }
            var ss = 0.0, sy = 0.0
            for i in x.indices {
                let s = candidate[i] - x[i], y = candidateGradient[i] - gradient[i]
                ss += s * s
                sy += s * y
            }
            step = sy > 0 ? min(1e10, max(1e-10, ss / sy)) : 1e10
            let previous = value
            x = candidate
            value = candidateValue
            gradient = candidateGradient
            history.append(value)
            if abs(previous - value) <= 1e-15 * max(1, abs(value)), lambda < 1e-12 {
                return Result(solution: x, value: value, iterations: iteration, converged: false)
            }
        }
        return Result(solution: x, value: value, iterations: maxIterations, converged: false)
    }

    @inline(__always) private func project(_ value: Double) -> Double { min(upper, max(lower, value)) }
}
