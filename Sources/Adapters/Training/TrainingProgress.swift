import Foundation
import FoundryCore

/// Where a ``LoRATrainer`` run stands: sent after every optimiser step and once more when an epoch has been
/// validated, so that a caller can draw one progress bar per epoch.
public struct TrainingProgress: Sendable, Equatable {
    /// What happened just before this event.
    public enum Kind: Sendable, Equatable {
        /// An optimiser step finished.
        case step
        /// The epoch's last step finished and the epoch was validated (``TrainingProgress/validationAccuracy`` is
        /// set when there is validation data).
        case epochFinished
    }

    /// What happened.
    public var kind: Kind
    /// The current epoch, 1-based.
    public var epoch: Int
    /// The configured number of epochs (early stopping may end the run sooner).
    public var epochs: Int
    /// Steps done in this epoch.
    public var completed: Int
    /// Steps in an epoch (`⌈examples / batch size⌉`).
    public var total: Int
    /// Steps done in the whole run.
    public var overallCompleted: Int
    /// Steps in the whole run if every epoch runs.
    public var overallTotal: Int
    /// Mean training loss of this epoch's steps so far (soft cross-entropy, weighted by batch size).
    public var loss: Double
    /// Training examples per second of step time so far in the run.
    public var examplesPerSecond: Double
    /// The validation accuracy after this epoch (``Kind/epochFinished`` events with validation data only).
    public var validationAccuracy: Double?

    /// Creates an event.
    public init(
        kind: Kind, epoch: Int, epochs: Int, completed: Int, total: Int, overallCompleted: Int, overallTotal: Int,
        loss: Double, examplesPerSecond: Double, validationAccuracy: Double? = nil
    ) {
        self.kind = kind
        self.epoch = epoch
        self.epochs = epochs
        self.completed = completed
        self.total = total
        self.overallCompleted = overallCompleted
        self.overallTotal = overallTotal
        self.loss = loss
        self.examplesPerSecond = examplesPerSecond
        self.validationAccuracy = validationAccuracy
    }

    /// Progress within the epoch (steps of this epoch, the epoch and the loss as the message), for one bar per epoch.
    public var progress: FoundryCore.Progress {
        FoundryCore.Progress(completed: completed, total: total, message: message)
    }

    /// Progress over the whole run (all steps so far of all epochs), for a single bar.
    public var overallProgress: FoundryCore.Progress {
        FoundryCore.Progress(completed: overallCompleted, total: overallTotal, message: message)
    }

    /// `epoch 2/5 loss 0.4321`, plus the validation accuracy once the epoch has one.
    public var message: String {
        var text = String(format: "epoch %d/%d loss %.4f", epoch, epochs, loss)
        if let validationAccuracy { text += String(format: " valid accuracy %.4f", validationAccuracy) }
        return text
    }
}

/// A callback that ``LoRATrainer`` calls with its progress; it runs on the training thread between steps.
public typealias TrainingProgressHandler = @Sendable (TrainingProgress) -> Void
