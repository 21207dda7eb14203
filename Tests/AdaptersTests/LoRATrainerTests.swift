import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

@testable import Adapters

@Suite struct LoRATrainerTests {
    /// A synthetic task on the tiny model: class 1 when token 9 occurs in the sequence, soft labels 0.9/0.1.
    private func task(count: Int, seed: UInt64) throws -> (
        sequences: [[Int32]], labels: [Int], soft: SoftLabels
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
        return (sequences, labels, try SoftLabels(probabilities: probabilities, classNames: ["no", "yes"]))
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
            &adapter, model: model, sequences: train.sequences, labels: train.soft,
            validation: (valid.sequences, valid.labels))
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
            &again, model: model, sequences: train.sequences, labels: train.soft,
            validation: (valid.sequences, valid.labels))
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
                &adapter, model: model, sequences: train.sequences, labels: train.soft,
                validation: (valid.sequences, Array(repeating: 1, count: 16)))
        #expect(report.stoppedEarly && report.epochs == 2 && report.bestEpoch == 1)
    }

    @Test func rejectsBadParametersAndInputs() throws {
        let model = TinyModel.model
        var adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2))
        let untouched = adapter
        let train = try task(count: 8, seed: 1)
        let pair = try SoftLabels(probabilities: [0.5, 0.5], classNames: ["a", "b"])
        func trainer(_ configuration: LoRATrainer.Configuration = .init()) -> LoRATrainer {
            LoRATrainer(configuration: configuration)
        }
        #expect(throws: AdaptersError.invalidParameter(name: "epochs", reason: "must be positive, got 0")) {
            try trainer(.init(epochs: 0)).train(&adapter, model: model, sequences: train.sequences, labels: train.soft)
        }
        #expect(throws: AdaptersError.invalidParameter(name: "batch size", reason: "must be positive, got 0")) {
            try trainer(.init(batchSize: 0)).train(
                &adapter, model: model, sequences: train.sequences, labels: train.soft)
        }
        #expect(throws: AdaptersError.invalidInput(reason: "7 training sequences but 8 rows of soft labels")) {
            try trainer().train(
                &adapter, model: model, sequences: Array(train.sequences.prefix(7)), labels: train.soft)
        }
        let threeClasses = try SoftLabels(probabilities: [0.2, 0.3, 0.5], classNames: ["a", "b", "c"])
        #expect(throws: AdaptersError.invalidInput(reason: "the soft labels have 3 classes, the adapter's head 2")) {
            try trainer().train(&adapter, model: model, sequences: [[2, 3]], labels: threeClasses)
        }
        let none = try SoftLabels(probabilities: [], classNames: ["a", "b"])
        #expect(throws: AdaptersError.invalidInput(reason: "no training examples")) {
            try trainer().train(&adapter, model: model, sequences: [], labels: none)
        }
        #expect(
            throws: AdaptersError.invalidInput(
                reason: "training sequence 0 has 0 tokens; expected 1...24 (truncate longer texts)")
        ) {
            try trainer().train(&adapter, model: model, sequences: [[]], labels: pair)
        }
        #expect(
            throws: AdaptersError.invalidInput(
                reason: "training sequence 0 has 30 tokens; expected 1...24 (truncate longer texts)")
        ) {
            try trainer().train(&adapter, model: model, sequences: [Array(repeating: 5, count: 30)], labels: pair)
        }
        #expect(throws: AdaptersError.invalidInput(reason: "training sequence 0 holds a token id outside 0..<40")) {
            try trainer().train(&adapter, model: model, sequences: [[2, 99, 3]], labels: pair)
        }
        #expect(throws: AdaptersError.invalidInput(reason: "validation has 2 sequences but 1 labels")) {
            try trainer().train(
                &adapter, model: model, sequences: [[2, 3]], labels: pair, validation: ([[2, 3], [2, 4, 3]], [1]))
        }
        #expect(throws: AdaptersError.invalidInput(reason: "validation sequence 1 holds a token id outside 0..<40")) {
            try trainer().train(
                &adapter, model: model, sequences: [[2, 3]], labels: pair,
                validation: ([[2, 3], [2, -1, 3]], [1, 0]))
        }
        // An adapter for another model.
        let other = BertModel(
            randomWithConfiguration: BertConfiguration(
                vocabularySize: 40, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 16,
                maxPositions: 24),
            seed: 1)
        #expect(throws: AdaptersError.self) {
            try trainer().train(&adapter, model: other, sequences: [[2, 3]], labels: pair)
        }
        // Nothing was trained by the refused calls.
        #expect(adapter == untouched)
    }

    /// A thread-safe list of the events a training run reports.
    private final class EventLog: @unchecked Sendable {
        // Invariant: `events` is only read and written while holding `lock`.
        private let lock = NSLock()
        private var events: [TrainingProgress] = []
        func append(_ event: TrainingProgress) { lock.withLock { events.append(event) } }
        var all: [TrainingProgress] { lock.withLock { events } }
    }

    @Test func reportsStepsWithinEachEpochThenTheEpochsValidation() throws {
        let model = TinyModel.model
        let train = try task(count: 40, seed: 3), valid = try task(count: 12, seed: 4)
        var adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2, targets: [.value]))
        let log = EventLog()
        let report = try LoRATrainer(configuration: .init(epochs: 3, batchSize: 16, patience: 3, seed: 1)).train(
            &adapter, model: model, sequences: train.sequences, labels: train.soft,
            validation: (valid.sequences, valid.labels), progress: { log.append($0) })
        let events = log.all
        // 40 examples in batches of 16: 3 steps per epoch, then one event after the epoch's validation.
        #expect(report.epochs == 3 && report.steps == 9 && !report.cancelled)
        #expect(events.count == 12)
        for epoch in 1...3 {
            let slice = Array(events[((epoch - 1) * 4)..<(epoch * 4)])
            #expect(slice.map(\.kind) == [.step, .step, .step, .epochFinished])
            #expect(slice.map(\.completed) == [1, 2, 3, 3])
            #expect(slice.allSatisfy { $0.epoch == epoch && $0.epochs == 3 && $0.total == 3 && $0.overallTotal == 9 })
            #expect(slice.map(\.overallCompleted) == [1, 2, 3, 3].map { $0 + 3 * (epoch - 1) })
            #expect(slice.prefix(3).allSatisfy { $0.validationAccuracy == nil && $0.loss > 0 })
            let finished = slice[3]
            #expect(finished.loss == report.epochLosses[epoch - 1])
            #expect(finished.validationAccuracy == report.validationAccuracies[epoch - 1])
            // The epoch loss is the running loss after its last step.
            #expect(slice[2].loss == finished.loss)
            #expect(finished.progress == FoundryCore.Progress(completed: 3, total: 3, message: finished.message))
            #expect(finished.overallProgress.completed == 3 * epoch && finished.overallProgress.total == 9)
        }
        #expect(events[0].message.hasPrefix("epoch 1/3 loss "))
        #expect(events[3].message.contains("valid accuracy"))
    }

    @Test func cancellationStopsBetweenStepsAndKeepsTheLastCompletedEpoch() throws {
        let model = TinyModel.model
        let train = try task(count: 40, seed: 3)
        let directory = TemporaryDirectory()
        let checkpoint = directory.url.appendingPathComponent("best")
        let fresh = try LoRAAdapter(
            model: model, configuration: .init(rank: 2, targets: [.query, .value], headPooling: .mean))
        let flag = CancellationFlag()
        let log = EventLog()
        var adapter = fresh
        // No validation: every completed epoch is the best so far and is checkpointed.
        let report = try LoRATrainer(
            configuration: .init(epochs: 4, batchSize: 16, learningRate: 1e-2, seed: 2, checkpointDirectory: checkpoint)
        ).train(
            &adapter, model: model, sequences: train.sequences, labels: train.soft,
            progress: { event in
                log.append(event)
                if event.epoch == 2 && event.completed == 1 { flag.cancel() }
            }, cancellation: flag)
        #expect(report.cancelled && !report.stoppedEarly)
        #expect(report.steps == 4 && report.epochs == 1 && report.bestEpoch == 1)
        #expect(log.all.last?.kind == .step && log.all.last?.epoch == 2)
        // The adapter is epoch 1's (the checkpoint), not the half-trained one, and it works.
        let saved = try LoRAAdapter(peftDirectory: checkpoint, model: model)
        #expect(adapter.flattened() == saved.flattened())
        #expect(adapter.flattened() != fresh.flattened())
        let probabilities = LoRAPredictor(model: model, adapter: adapter).predictProbabilities(train.sequences)
        #expect(probabilities.scalars.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        for row in 0..<40 {
            #expect(abs(probabilities[row, 0] + probabilities[row, 1] - 1) < 1e-5)
        }

        // Cancelled before the first step: nothing changes.
        var untouched = fresh
        let cancelled = CancellationFlag()
        cancelled.cancel()
        let early = try LoRATrainer(configuration: .init(epochs: 2, batchSize: 16)).train(
            &untouched, model: model, sequences: train.sequences, labels: train.soft, cancellation: cancelled)
        #expect(early.cancelled && early.steps == 0 && early.epochs == 0 && early.bestEpoch == 0)
        #expect(untouched == fresh)
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
