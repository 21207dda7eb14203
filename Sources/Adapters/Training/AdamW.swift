/// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization") on a flat parameter vector,
/// with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8, weight decay 0.01) and bias correction.
public struct AdamW: Sendable {
    /// Exponential decay of the first moment.
    public var beta1: Float = 0.9
    /// Exponential decay of the second moment.
    public var beta2: Float = 0.999
    /// Denominator guard.
    public var epsilon: Float = 1e-8
    /// Decoupled weight decay (multiplied by the learning rate).
    public var weightDecay: Float = 0.01
    private var firstMoment: [Float]
    private var secondMoment: [Float]
    /// Updates taken so far.
    public private(set) var stepCount = 0

    /// Creates an optimizer for `parameterCount` values.
    public init(parameterCount: Int, weightDecay: Float = 0.01) {
        firstMoment = [Float](repeating: 0, count: parameterCount)
        secondMoment = firstMoment
        self.weightDecay = weightDecay
    }

    /// One update: `p ← p − lr·wd·p − lr · m̂ / (√v̂ + ε)`.
    /// - Parameters:
    ///   - parameters: the values to update.
    ///   - gradient: their gradient (same count).
    ///   - learningRate: this step's learning rate.
    public mutating func step(_ parameters: inout [Float], gradient: [Float], learningRate: Float) {
        precondition(
            parameters.count == firstMoment.count && gradient.count == parameters.count, "parameter count changed")
        stepCount += 1
        let correction1 = 1 - Float(pow(Double(beta1), Double(stepCount)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(stepCount)))
        let stepSize = learningRate / correction1
        let decay = 1 - learningRate * weightDecay
        for i in parameters.indices {
            let g = gradient[i]
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g
            let denominator = (secondMoment[i] / correction2).squareRoot() + epsilon
            parameters[i] = parameters[i] * decay - stepSize * firstMoment[i] / denominator
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
