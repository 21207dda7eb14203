import Foundation
import GRDB
import Merging

/// What to record with a commit.
public struct CommitOptions: Sendable {
    /// The branch to commit to (default: HEAD's branch).
    public var branch: String?
    /// The author.
    public var author: String = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    /// The message.
    public var message: String = ""
    /// Named metrics.
    public var metrics: [String: Double] = [:]
    /// What produced the model.
    public var provenance = Provenance()
    /// For an adapter: the ref of the commit holding its base model (default: the parent's base, or the parent when
    /// the parent is a full model).
    public var base: String?
    /// Sparse encodings are used when they take at most this fraction of the dense bytes.
    public var sparseLimit: Double = 0.5
    /// Commit even when the tree equals the parent's.
    public var allowEmpty = false

    /// Options with defaults.
    public init(message: String = "") { self.message = message }
}

/// What a commit did.
public struct CommitResult: Codable, Sendable, Equatable {
    /// The new commit.
    public var commit: String
    /// The branch moved (nil for none).
    public var branch: String?
    /// The previous commit of the branch.
    public var parent: String?
    /// The tree.
    public var tree: String
    /// Objects written by this commit (new to the repository).
    public var objectsWritten: Int
    /// Bytes of object files written.
    public var bytesWritten: Int
    /// Tensors per encoding (`dense`, `sparse`, `reused` for tensors stored already).
    public var encodings: [String: Int]
}

/// A check run on a candidate commit before its branch moves; throwing blocks the change.
public typealias CommitGate =
    @Sendable (_ repository: ModelRepository, _ candidate: CommitRecord, _ branch: String) throws
    -> Void

extension ModelRepository {
    /// Commits the files of a model folder (an HF model, a PEFT adapter folder, any folder of safetensors and config
    /// files) to a branch.
    ///
    /// Each safetensors tensor becomes an object (reused when identical to a stored one; sparse against the parent's
    /// tensor of the same file and name when few entries changed); other files become blobs. Hidden files are skipped.
    /// The branch moves only if it still points at the commit it pointed at when this started.
    /// - Parameters:
    ///   - directory: the model folder.
    ///   - options: branch, author, message, metrics, provenance.
    ///   - gate: a check run before the branch moves (see ``CheckSuite``).
    /// - Throws: ``ModelRepositoryError/invalidInput(path:reason:)`` for a folder that cannot be read or a malformed
    ///   safetensors file; ``ModelRepositoryError/refConflict(ref:reason:)`` when the branch moved meanwhile.
    public func commit(directory: URL, options: CommitOptions, gate: CommitGate? = nil) throws -> CommitResult {
        try withLock(exclusive: false) {
            let branch = try options.branch ?? currentBranch()
            let parent = try branchCommit(branch)
            let parentTree = try parent.map { try tree(commit($0).tree) }
            let writer = ObjectWriter(repository: self, sparseLimit: options.sparseLimit)
            let snapshotTree = try snapshot(directory: directory, parent: parentTree, writer: writer)
            var base: String?
            if snapshotTree.isAdapter {
                if let ref = options.base {
                    base = try resolve(ref)
                } else if let parent {
                    let parentCommit = try commit(parent)
                    base = parentCommit.base ?? ((parentTree?.isAdapter ?? true) ? nil : parent)
                }
            }
            return try record(
                tree: snapshotTree, writer: writer, parents: parent.map { [$0] } ?? [], branch: branch,
                expected: parent,
                options: options, base: base, action: "commit", gate: gate)
        }
    }

    /// HEAD's branch.
    /// - Throws: ``ModelRepositoryError/refConflict(ref:reason:)`` when HEAD is detached.
    public func currentBranch() throws -> String {
        guard case let .branch(name) = try head() else {
            throw ModelRepositoryError.refConflict(ref: "HEAD", reason: "detached; name a branch")
        }
        return name
    }

    /// Writes the tree and commit objects, runs the gate, then lists the objects, records the commit and moves the
    /// branch in one transaction.
    func record(
        tree: Tree, writer: ObjectWriter, parents: [String], branch: String, expected: String?, options: CommitOptions,
        base: String?, action: String, gate: CommitGate?
    ) throws -> CommitResult {
        let treeID = try writer.write(.tree, try tree.encoded())
        if !options.allowEmpty, parents.count == 1, let parent = parents.first, try commit(parent).tree == treeID {
            throw ModelRepositoryError.refConflict(
                ref: branch, reason: "nothing to commit: the tree equals the parent's (use --allow-empty)")
        }
        let commitRecord = Commit(
            tree: treeID, parents: parents, author: options.author, message: options.message, time: Self.now(),
            metrics: options.metrics, provenance: options.provenance, base: base)
        let data = try commitRecord.encoded()
        let commitID = try writer.write(.commit, data)
        if let gate { try gate(self, CommitRecord(id: commitID, commit: commitRecord), branch) }
        try write { db in
            try writer.list(in: db)
            let parentsJSON = String(decoding: try JSONEncoder().encode(parents), as: UTF8.self)
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO commits (id, tree, parents, time, author, message) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    commitID, treeID, parentsJSON, commitRecord.time, commitRecord.author, commitRecord.message,
                ])
            let summary = options.message.split(separator: "\n").first.map(String.init) ?? ""
            try moveRef(
                db, "refs/heads/\(branch)", expected: .some(expected), to: commitID, action: "\(action): \(summary)")
        }
        return CommitResult(
            commit: commitID, branch: branch, parent: expected, tree: treeID, objectsWritten: writer.rows.count,
            bytesWritten: writer.bytesWritten, encodings: writer.encodings)
    }

    /// Stores the files of a folder as objects and returns their tree.
    func snapshot(directory: URL, parent: Tree?, writer: ObjectWriter) throws -> Tree {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ModelRepositoryError.invalidInput(path: directory.path, reason: "not a folder") }
        let paths = try Self.listFiles(directory)
        guard !paths.isEmpty else {
            throw ModelRepositoryError.invalidInput(path: directory.path, reason: "the folder is empty")
        }
        let parentTensors = parent?.tensorsByKey ?? [:]
        var files: [Tree.File] = []
        for relative in paths {
            let url = directory.appendingPathComponent(relative)
            if relative.hasSuffix(".safetensors") {
                files.append(try snapshotSafeTensors(url: url, path: relative, parent: parentTensors, writer: writer))
            } else {
                let data: Data
                do { data = try Data(contentsOf: url) } catch {
                    throw ModelRepositoryError.invalidInput(path: url.path, reason: error.localizedDescription)
                }
                let id = try writer.write(.blob, data)
                files.append(Tree.File(path: relative, kind: .blob, object: id, size: data.count, tensors: nil))
            }
        }
        return Tree(files: files)
    }

    /// Files under `directory` (relative, `/`-separated, sorted), hidden names skipped.
    static func listFiles(_ directory: URL) throws -> [String] {
        guard
            let enumerator = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw ModelRepositoryError.invalidInput(path: directory.path, reason: "cannot list the folder") }
        var out: [String] = []
        let prefix = directory.standardizedFileURL.path
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            var relative = String(url.standardizedFileURL.path.dropFirst(prefix.count))
            while relative.hasPrefix("/") { relative.removeFirst() }
            out.append(relative)
        }
        return out.sorted()
    }

    private func snapshotSafeTensors(
        url: URL, path: String, parent: [String: Tree.TensorEntry], writer: ObjectWriter
    ) throws -> Tree.File {
        let stream: SafeTensorsStream
        do { stream = try SafeTensorsStream(url: url) } catch let error as MergingError {
            throw ModelRepositoryError.invalidInput(path: url.path, reason: error.description)
        }
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw ModelRepositoryError.invalidInput(path: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        let fileSize = Int((try? handle.seekToEnd()) ?? 0)
        var lengthField = [UInt8]()
        do {
            try handle.seek(toOffset: 0)
            lengthField = [UInt8](try handle.read(upToCount: 8) ?? Data())
        } catch {
            throw ModelRepositoryError.invalidInput(path: url.path, reason: error.localizedDescription)
        }
        var headerLength = 0
        for (i, byte) in lengthField.prefix(8).enumerated() { headerLength |= Int(byte) << (8 * i) }
        let dataStart = 8 + headerLength
        // The data section must be the tensors back to back, so that header + tensors give back the file's bytes.
        var expected = dataStart
        for entry in stream.entries where entry.byteCount > 0 {
            guard entry.offset == expected else {
                throw ModelRepositoryError.invalidInput(
                    path: url.path,
                    reason:
                        "tensor \(entry.name) starts at byte \(entry.offset), expected \(expected): the data section has gaps or overlaps (re-save the file)"
                )
            }
            expected += entry.byteCount
        }
        guard expected == fileSize else {
            throw ModelRepositoryError.invalidInput(
                path: url.path, reason: "\(fileSize - expected) bytes follow the last tensor's data")
        }
        let header: Data
        do {
            try handle.seek(toOffset: 0)
            header = try handle.read(upToCount: dataStart) ?? Data()
        } catch {
            throw ModelRepositoryError.invalidInput(path: url.path, reason: error.localizedDescription)
        }
        guard header.count == dataStart else {
            throw ModelRepositoryError.invalidInput(path: url.path, reason: "cannot read its header")
        }
        let headerID = try writer.write(.blob, header)
        var tensors: [Tree.TensorEntry] = []
        for entry in stream.entries {
            let bytes: [UInt8]
            do { bytes = try stream.bytes(entry.name) } catch let error as MergingError {
                throw ModelRepositoryError.invalidInput(path: url.path, reason: error.description)
            }
            let previous = parent["\(path):\(entry.name)"]
            let (id, _) = try writer.writeTensor(
                dtype: entry.dtype, shape: entry.shape, bytes: Data(bytes), parent: previous?.object)
            tensors.append(Tree.TensorEntry(name: entry.name, object: id, dtype: entry.dtype, shape: entry.shape))
        }
        return Tree.File(path: path, kind: .safetensors, object: headerID, size: fileSize, tensors: tensors)
    }
}
