import Foundation
import FoundryCore
import Testing

@testable import Adapters

@Suite struct LoRATrainerTests {
    /// A synthetic task on the tiny model: class 1 when token 9 occurs in the sequence, soft labels 0.9/0.1.
    private func task(count: Int, seed: UInt64) throws -> (
        sequences: [[Int32]], labels: [Int], examples: SoftLabeledExamples
    ) {
        var rng = SeededGenerator(seed: seed)
        var sequences: [[Int32]] = []
        var labels: [Int] = []
        var probabilities: [Float] = []
        for _ in 0..<count {
            let length = 3 + Int(rng.next() % 8)
            var ids: [Int32] = [2]
            for _ in 0..<(length - 2) { ids.append(Int32(10 + rng.next() % 30)) }
            let positive = rng.next() % 2 == 0
            if positive { ids[1 + Int(rng.next() % UInt64(length - 2))] = 9 }
            ids.append(3)
            sequences.append(ids)
            labels.append(positive ? 1 : 0)
            probabilities += positive ? [0.1, 0.9] : [0.9, 0.1]
        }
        return (
            sequences, labels,
            try SoftLabeledExamples(sequences: sequences, probabilities: probabilities, classCount: 2)
        )
    }

    @Test func learnsASyntheticTaskReproduciblyAndCheckpoints() throws {
        let model = TinyModel.model
        let train = try task(count: 96, seed: 1), valid = try task(count: 48, seed: 2)
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = LoRATrainer.Configuration(
            epochs: 8, batchSize: 16, learningRate: 2e-2, warmupFraction: 0.1, patience: 8, seed: 4,
            checkpointDirectory: directory.appendingPathComponent("best"))
        let fresh = try LoRAAdapter(
            model: model, configuration: .init(rank: 4, alpha: 8, targets: [.query, .value], headPooling: .mean))
        let before = LoRAPredictor(model: model, adapter: fresh).predictLabels(valid.sequences)
        let accuracyBefore = Double(zip(before, valid.labels).filter { $0 == $1 }.count) / 48
        var adapter = fresh
        let report = try LoRATrainer(configuration: configuration).train(
            &adapter, model: model, examples: train.examples, validation: (valid.sequences, valid.labels))
        #expect(report.steps == 48 && report.epochs == 8)
        #expect(report.epochLosses.last ?? 1 < report.epochLosses.first ?? 0)
        let best = report.validationAccuracies.max() ?? 0
        #expect(
            best >= 0.85 && best > accuracyBefore + 0.2, "accuracy \(accuracyBefore) → \(report.validationAccuracies)")
        #expect(report.validationAccuracies[report.bestEpoch - 1] == best)
        // The checkpoint holds the best adapter.
        let checkpoint = try LoRAAdapter(peftDirectory: directory.appendingPathComponent("best"), model: model)
        #expect(checkpoint.flattened() == adapter.flattened())
        // Same seed, same bits.
        var again = fresh
        _ = try LoRATrainer(configuration: configuration).train(
            &again, model: model, examples: train.examples, validation: (valid.sequences, valid.labels))
        #expect(again.flattened() == adapter.flattened())
    }

    @Test func stopsEarlyWhenValidationDoesNotImprove() throws {
        let model = TinyModel.model
        let train = try task(count: 32, seed: 5)
        // Validation labels that no model can fit better than chance after the first epoch: all one class.
        let valid = try task(count: 16, seed: 6)
        var adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2, targets: [.value]))
        let report = try LoRATrainer(configuration: .init(epochs: 10, learningRate: 1e-9, patience: 1))
            .train(
                &adapter, model: model, examples: train.examples,
                validation: (valid.sequences, Array(repeating: 1, count: 16)))
        #expect(report.stoppedEarly && report.epochs == 2 && report.bestEpoch == 1)
    }

    @Test func rejectsBadParametersAndInputs() throws {
        let model = TinyModel.model
        var adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2))
        let train = try task(count: 8, seed: 1)
        #expect(throws: AdaptersError.invalidParameter(name: "epochs", reason: "must be positive, got 0")) {
            try LoRATrainer(configuration: .init(epochs: 0)).train(&adapter, model: model, examples: train.examples)
        }
        #expect(throws: AdaptersError.self) {
            try SoftLabeledExamples(sequences: [[2, 3]], probabilities: [0.5, 0.6], classCount: 2)
        }
        #expect(throws: AdaptersError.self) {
            try SoftLabeledExamples(sequences: [[]], probabilities: [0.5, 0.5], classCount: 2)
        }
        #expect(throws: AdaptersError.self) {
            try SoftLabeledExamples(sequences: [[2, 3]], probabilities: [1], classCount: 2)
        }
        let tooLong = try SoftLabeledExamples(
            sequences: [Array(repeating: 5, count: 30)], probabilities: [0.5, 0.5], classCount: 2)
        #expect(
            throws: AdaptersError.invalidInput(
                reason: "training sequence 0 has 30 tokens; expected 1...24 (truncate longer texts)")
        ) {
            try LoRATrainer().train(&adapter, model: model, examples: tooLong)
        }
        let badID = try SoftLabeledExamples(sequences: [[2, 99, 3]], probabilities: [0.5, 0.5], classCount: 2)
        #expect(throws: AdaptersError.self) { try LoRATrainer().train(&adapter, model: model, examples: badID) }
        let threeClasses = try SoftLabeledExamples(sequences: [[2, 3]], probabilities: [0.2, 0.3, 0.5], classCount: 3)
        #expect(throws: AdaptersError.self) { try LoRATrainer().train(&adapter, model: model, examples: threeClasses) }
    }

    @Test func adamWMatchesAHandComputedStep() {
        // One step from p = 1 with g = 0.5, lr 0.1, wd 0.01: m̂ = 0.5, v̂ = 0.25 → p = 1·(1 − 0.001) − 0.1 · 0.5 / (0.5 + 1e-8).
        var optimizer = AdamW(parameterCount: 1, weightDecay: 0.01)
        var parameters: [Float] = [1]
        optimizer.step(&parameters, gradient: [0.5], learningRate: 0.1)
        #expect(abs(parameters[0] - 0.899) < 1e-6)
        #expect(optimizer.stepCount == 1)
    }

    /// For the head bias the Fisher information has a closed form: `F_j = mean_x p_j (1 − p_j)`.
    @Test func fisherInformationOfTheHeadBiasHasItsClosedForm() throws {
        let model = TinyModel.model
        var adapter = try LoRAAdapter(
            model: model, configuration: .init(rank: 2, targets: [.query], headPooling: .mean, classCount: 3))
        var values = adapter.flattened()
        for i in values.indices { values[i] += Float((i % 5) - 2) * 0.1 }
        adapter.assign(flattened: values)
        let sequences = TinyModel.sequences([4, 7, 5])
        let fisher = FisherInformation.diagonal(adapter: adapter, model: model, sequences: sequences)
        #expect(fisher.count == adapter.parameterCount && fisher.allSatisfy { $0 >= 0 })
        let probabilities = LoRAPredictor(model: model, adapter: adapter).predictProbabilities(sequences)
        for j in 0..<3 {
            let expected =
                (0..<3).map { row -> Float in
                    let p = probabilities.scalars[row * 3 + j]
                    return p * (1 - p)
                }.reduce(0, +) / 3
            #expect(abs(fisher[fisher.count - 3 + j] - expected) < 1e-5)
        }
        let named = FisherInformation.namedTensors(fisher, adapter: adapter)
        #expect(named["base_model.model.classifier.bias"]?.scalars == Array(fisher.suffix(3)))
    }
}

@Suite struct LoRAStepperTests {
    @Test func repeatedStepsOnOneBatchLowerItsLoss() throws {
        let model = TinyModel.model
        let adapter = try LoRAAdapter(
            model: model, configuration: .init(rank: 4, alpha: 8, targets: [.query, .value, .intermediate]))
        var stepper = LoRAStepper(model: model, adapter: adapter, encoderDropout: false, seed: 1)
        let sequences = TinyModel.sequences([5, 8, 3, 6])
        let targets: [Float] = [1, 0, 0, 1, 0.8, 0.2, 0.1, 0.9]
        let first = stepper.step(sequences, targets: targets, learningRate: 1e-2)
        var last = first
        for _ in 0..<30 { last = stepper.step(sequences, targets: targets, learningRate: 1e-2) }
        #expect(stepper.stepCount == 31)
        #expect(last < first * 0.7, "loss \(first) → \(last)")
        #expect(stepper.adapter.flattened() != adapter.flattened())
    }
}
