import Foundation
import GRDB

/// What a push, fetch or unbundle moved.
public struct TransferResult: Codable, Sendable, Equatable {
    /// Objects sent or received (missing on the other side).
    public var objects: Int
    /// Bytes of object files moved.
    public var bytes: Int
    /// Refs updated: name → commit.
    public var refs: [String: String]
}

extension ModelRepository {
    /// Whether an object is listed (complete) in this repository.
    func isListed(_ id: String) throws -> Bool {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects WHERE id = ?", arguments: [id]) == 1 }
    }

    /// The objects reachable from `tips` that `has` says are missing, ordered so that every object comes after the
    /// objects it needs (sparse bases before their tensors, trees before commits, parents before children).
    /// - Parameter stop: commits whose history is known to be present (not walked).
    func missingObjects(from tips: [String], has: (String) throws -> Bool, stop: Set<String> = []) throws -> [String] {
        var commits: [String] = []
        var seen: Set<String> = []
        var stack = tips
        while let id = stack.popLast() {
            guard !stop.contains(id), seen.insert(id).inserted, !(try has(id)) else { continue }
            commits.append(id)
            let record = try commit(id)
            stack.append(contentsOf: record.parents)
            if let base = record.base { stack.append(base) }
        }
        var ordered: [String] = []
        var added: Set<String> = []
        func addTensor(_ id: String) throws {
            guard !added.contains(id), !(try has(id)) else { return }
            if let base = try objects.header(id).base { try addTensor(base) }
            if added.insert(id).inserted { ordered.append(id) }
        }
        // Oldest commits first, so that a receiver could list them in order.
        for id in commits.reversed() {
            let record = try commit(id)
            let files = try tree(record.tree).files
            for file in files {
                if !added.contains(file.object), !(try has(file.object)) {
                    added.insert(file.object)
                    ordered.append(file.object)
                }
                for tensor in file.tensors ?? [] { try addTensor(tensor.object) }
            }
            if !added.contains(record.tree), !(try has(record.tree)) {
                added.insert(record.tree)
                ordered.append(record.tree)
            }
        }
        for id in commits.reversed() where added.insert(id).inserted { ordered.append(id) }
        return ordered
    }

    /// Receives object files: each is verified (re-hashed; sparse tensors reconstructed from objects received before
    /// it or stored here) and written durably; then, in one transaction, they are listed and the refs move — only if
    /// each still points where `updates` expects. An interruption before that transaction leaves every ref as it was.
    /// - Parameters:
    ///   - files: object address → object file bytes, in dependency order.
    ///   - updates: full ref name → (expected commit or nil for a new ref, new commit).
    ///   - interruptAfter: for tests, stop with an error after writing this many objects.
    func receive(
        _ files: [(String, Data)], updates: [(ref: String, expected: String?, new: String)], source: String,
        interruptAfter: Int? = nil
    ) throws -> TransferResult {
        try withLock(exclusive: false) {
            let writer = ObjectWriter(repository: self)
            var received: [String: Data] = [:]
            var commits: [(String, Commit)] = []
            var bytes = 0
            for (index, (id, file)) in files.enumerated() {
                if let interruptAfter, index == interruptAfter {
                    throw ModelRepositoryError.io(path: source, reason: "transfer interrupted after \(index) objects")
                }
                let (header, _) = try ObjectHeader.parse(file, id: id)
                var row = ObjectWriter.Row(
                    id: id, kind: header.kind, encoding: header.encoding, base: header.base, depth: 0, size: 0,
                    stored: file.count)
                switch header.kind {
                case .tensor:
                    var depth = 0
                    let tensor = try ObjectStore.tensor(id, depth: &depth) { other in
                        if let data = received[other] ?? (other == id ? file : nil) { return data }
                        return try self.objects.rawBytes(other)
                    }
                    row.size = tensor.bytes.count
                    if let base = header.base { row.depth = (try writer.depth(of: base) ?? 0) + 1 }
                case .commit:
                    let content = try ObjectStore.bytes(id, kind: .commit, file: file)
                    guard let record = try? JSONDecoder().decode(Commit.self, from: content) else {
                        throw ModelRepositoryError.corruptObject(id: id, reason: "not a commit record")
                    }
                    commits.append((id, record))
                    row.size = content.count
                case .blob, .tree:
                    row.size = try ObjectStore.bytes(id, kind: header.kind, file: file).count
                }
                try objects.write(id, bytes: file)
                writer.add(row)
                received[id] = file
                bytes += file.count
            }
            var moved: [String: String] = [:]
            try write { db in
                try writer.list(in: db)
                for (id, record) in commits {
                    let parents = String(decoding: try JSONEncoder().encode(record.parents), as: UTF8.self)
                    try db.execute(
                        sql:
                            "INSERT OR IGNORE INTO commits (id, tree, parents, time, author, message) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [id, record.tree, parents, record.time, record.author, record.message])
                }
                for update in updates {
                    try moveRef(
                        db, update.ref, expected: .some(update.expected), to: update.new,
                        action: "update from \(source)")
                    moved[update.ref] = update.new
                }
            }
            return TransferResult(objects: files.count, bytes: bytes, refs: moved)
        }
    }

    /// Sends a branch to another repository (a folder): only the objects it lacks, each verified on receipt; the
    /// remote's branch moves last, and only forward (unless `force`).
    /// - Throws: ``ModelRepositoryError/refConflict(ref:reason:)`` when the remote branch is not an ancestor.
    public func push(to remote: URL, branch: String, force: Bool = false, interruptAfter: Int? = nil) throws
        -> TransferResult
    {
        let destination = try ModelRepository(root: remote)
        guard let tip = try branchCommit(branch) else { throw ModelRepositoryError.unknownRef(branch) }
        let old = try destination.branchCommit(branch)
        if let old, !force {
            guard try destination.isListed(old), (try ancestors(of: tip)).contains(old) else {
                throw ModelRepositoryError.refConflict(
                    ref: branch,
                    reason: "the remote's \(branch) (\(old.prefix(12))) is not an ancestor of ours; pull first")
            }
        }
        let ids = try missingObjects(from: [tip], has: destination.isListed)
        let files = try ids.map { ($0, try objects.rawBytes($0)) }
        return try destination.receive(
            files, updates: old == tip ? [] : [("refs/heads/\(branch)", old, tip)], source: root.path,
            interruptAfter: interruptAfter)
    }

    /// Receives a branch of another repository as `refs/remotes/NAME/BRANCH`.
    public func fetch(from remote: URL, name: String, branch: String) throws -> TransferResult {
        let source = try ModelRepository(root: remote)
        guard let tip = try source.branchCommit(branch) else {
            throw ModelRepositoryError.unknownRef("\(name)/\(branch)")
        }
        let ref = "refs/remotes/\(name)/\(branch)"
        let old = try read { db in
            try String.fetchOne(db, sql: "SELECT target FROM refs WHERE name = ?", arguments: [ref])
        }
        let ids = try source.missingObjects(from: [tip], has: isListed)
        let files = try ids.map { ($0, try source.objects.rawBytes($0)) }
        return try receive(files, updates: old == tip ? [] : [(ref, old, tip)], source: remote.path)
    }

    /// Fetches a remote branch, then fast-forwards HEAD's branch to it or merges it.
    public func pull(from remote: URL, name: String, branch: String, options: MergeOptions = MergeOptions()) throws
        -> (TransferResult, CommitResult?)
    {
        let fetched = try fetch(from: remote, name: name, branch: branch)
        let local = try options.commit.branch ?? currentBranch()
        let theirs = try resolve("refs/remotes/\(name)/\(branch)")
        let ours = try branchCommit(local)
        if let ours, try ancestors(of: ours).contains(theirs) { return (fetched, nil) }
        let fastForward = try ours.map { try ancestors(of: theirs).contains($0) } ?? true
        if fastForward {
            try write { db in
                try moveRef(db, "refs/heads/\(local)", expected: .some(ours), to: theirs, action: "pull: fast-forward")
            }
            return (fetched, nil)
        }
        var mergeOptions = options
        mergeOptions.commit.branch = local
        return (fetched, try merge("refs/remotes/\(name)/\(branch)", options: mergeOptions).result)
    }

    /// Records a remote (a repository folder).
    public func addRemote(_ name: String, path: String) throws {
        try Self.checkRefName(name)
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO remotes (name, url) VALUES (?, ?)", arguments: [name, path])
        }
    }

    /// The remotes: name → path.
    public func remotes() throws -> [String: String] {
        try read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT name, url FROM remotes").map {
                    ($0["name"] as String, $0["url"] as String)
                },
                uniquingKeysWith: { a, _ in a })
        }
    }

    /// A remote's path, or `name` itself when it is a path to a repository.
    public func remoteURL(_ name: String) throws -> URL {
        if let path = try remotes()[name] { return URL(fileURLWithPath: path) }
        let url = URL(fileURLWithPath: name)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent(Self.databaseName).path) else {
            throw ModelRepositoryError.unknownRef("remote \(name)")
        }
        return url
    }
}
