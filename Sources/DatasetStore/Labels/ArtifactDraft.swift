import Foundation

/// An artifact about to be written: what every artifact-writing operation hands to the one insertion path.
struct ArtifactDraft {
    /// The kind.
    var kind: ArtifactKind
    /// The name, unique per version and kind.
    var name: String
    /// Free-form details.
    var details: String
    /// The parent artifact, if any.
    var derivedFrom: Int64? = nil
    /// Files by name.
    var files: [String: Data] = [:]
    /// For row-aligned artifacts (label matrices, soft labels): their row count, which must equal the version's.
    var rowCount: Int? = nil
}
