/// An error found while a command runs (a missing store, an unreadable token file): printed as `Error: message`
/// without the usage text, which belongs to mistakes in the arguments themselves (`ValidationError` from `validate()`).
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong, naming the file or option concerned.
    let description: String

    init(_ description: String) { self.description = description }
}
