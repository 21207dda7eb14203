/// The version of this Foundry build, printed by `foundry --version` and recorded in the files and artifacts Foundry
/// writes so that a result can be traced to the code that produced it.
public enum FoundryVersion {
    /// Semantic version of the package.
    public static let current = "0.5.0"
}
