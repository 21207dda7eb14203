import Foundation
import GRDB

/// Where HEAD points.
public enum Head: Sendable, Equatable {
    /// On a branch (which may have no commit yet).
    case branch(String)
    /// On a commit, detached from any branch.
    case detached(String)
}

/// One entry of the reflog: a ref moved from one commit to another.
public struct ReflogEntry: Codable, Sendable, Equatable {
    /// The ref (`refs/heads/main`, `HEAD`).
    public var ref: String
    /// The commit before (nil when the ref was created).
    public var old: String?
    /// The commit after (nil when the ref was deleted).
    public var new: String?
    /// What moved it (`commit: message`, `merge feature`, `branch: created from …`).
    public var action: String
    /// When.
    public var time: String
}

/// A branch or tag and its commit.
public struct RefEntry: Codable, Sendable, Equatable {
    /// The short name (`main`, `v1`).
    public var name: String
    /// The commit.
    public var commit: String
}

extension ModelRepository {
    /// Where HEAD points.
    public func head() throws -> Head {
        let value = try read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'HEAD'") }
        guard let value else { return .branch("main") }
        if value.hasPrefix("ref: refs/heads/") { return .branch(String(value.dropFirst("ref: refs/heads/".count))) }
        return .detached(value)
    }

    /// The commit HEAD points at (nil on a branch without commits).
    public func headCommit() throws -> String? {
        switch try head() {
        case let .branch(name): try branchCommit(name)
        case let .detached(id): id
        }
    }

    /// A branch's commit, nil when the branch does not exist.
    public func branchCommit(_ name: String) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT target FROM refs WHERE name = ?", arguments: ["refs/heads/\(name)"])
        }
    }

    /// The branches, sorted by name.
    public func branches() throws -> [RefEntry] { try refs(prefix: "refs/heads/") }

    /// The tags, sorted by name.
    public func tags() throws -> [RefEntry] { try refs(prefix: "refs/tags/") }

    private func refs(prefix: String) throws -> [RefEntry] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT name, target FROM refs WHERE name LIKE ? ORDER BY name", arguments: ["\(prefix)%"]
            ).map { row in
                let name: String = row["name"]
                return RefEntry(name: String(name.dropFirst(prefix.count)), commit: row["target"])
            }
        }
    }

    /// Resolves `HEAD`, a branch, a tag, a full or abbreviated (≥ 4 hex digits) commit address, with optional `~N`
    /// suffixes (the N-th first parent).
    /// - Throws: ``ModelRepositoryError/unknownRef(_:)`` when nothing (or more than one commit) matches.
    public func resolve(_ name: String) throws -> String {
        var base = name
        var steps = 0
        if let tilde = name.firstIndex(of: "~") {
            base = String(name[..<tilde])
            let suffix = name[name.index(after: tilde)...]
            guard let count = suffix.isEmpty ? 1 : Int(suffix), count >= 0 else {
                throw ModelRepositoryError.unknownRef(name)
            }
            steps = count
        }
        var id = try resolveBase(base, original: name)
        for _ in 0..<steps {
            guard let parent = try commit(id).parents.first else { throw ModelRepositoryError.unknownRef(name) }
            id = parent
        }
        return id
    }

    private func resolveBase(_ name: String, original: String) throws -> String {
        if name == "HEAD" {
            guard let id = try headCommit() else { throw ModelRepositoryError.unknownRef("HEAD (no commit yet)") }
            return id
        }
        return try read { db -> String in
            for candidate in ["refs/heads/\(name)", "refs/tags/\(name)", name] {
                if let target = try String.fetchOne(
                    db, sql: "SELECT target FROM refs WHERE name = ?", arguments: [candidate])
                {
                    return target
                }
            }
            let lower = name.lowercased()
            guard lower.count >= 4, lower.allSatisfy(\.isHexDigit) else {
                throw ModelRepositoryError.unknownRef(original)
            }
            let matches = try String.fetchAll(
                db, sql: "SELECT id FROM commits WHERE id LIKE ? LIMIT 2", arguments: ["\(lower)%"])
            guard matches.count == 1 else { throw ModelRepositoryError.unknownRef(original) }
            return matches[0]
        }
    }

    /// A commit, read from its object and checked against its address.
    public func commit(_ id: String) throws -> Commit {
        let data = try objects.bytes(id, kind: .commit)
        do { return try JSONDecoder().decode(Commit.self, from: data) } catch {
            throw ModelRepositoryError.corruptObject(id: id, reason: "not a commit record")
        }
    }

    /// A tree, read from its object and checked against its address.
    public func tree(_ id: String) throws -> Tree {
        let data = try objects.bytes(id, kind: .tree)
        do { return try JSONDecoder().decode(Tree.self, from: data) } catch {
            throw ModelRepositoryError.corruptObject(id: id, reason: "not a tree record")
        }
    }

    /// The history from `start`, newest first (every parent, ordered by time), at most `limit` commits.
    public func log(from start: String, limit: Int = Int.max) throws -> [CommitRecord] {
        var out: [CommitRecord] = []
        var frontier: [CommitRecord] = [CommitRecord(id: start, commit: try commit(start))]
        var seen: Set<String> = [start]
        while !frontier.isEmpty, out.count < limit {
            frontier.sort { ($0.commit.time, $0.id) > ($1.commit.time, $1.id) }
            let next = frontier.removeFirst()
            out.append(next)
            for parent in next.commit.parents where seen.insert(parent).inserted {
                frontier.append(CommitRecord(id: parent, commit: try commit(parent)))
            }
        }
        return out
    }

    /// Every ancestor of `id`, itself included.
    public func ancestors(of id: String) throws -> Set<String> {
        var seen: Set<String> = [id]
        var stack = [id]
        while let next = stack.popLast() {
            for parent in try commit(next).parents where seen.insert(parent).inserted { stack.append(parent) }
        }
        return seen
    }

    /// The best common ancestor of two commits (the newest common ancestor), nil when they share none.
    public func mergeBase(_ a: String, _ b: String) throws -> String? {
        let left = try ancestors(of: a)
        let common = try ancestors(of: b).intersection(left)
        // A best common ancestor is one that is not an ancestor of another common ancestor.
        var best: [String] = []
        for candidate in common {
            var dominated = false
            for other in common where other != candidate {
                if try ancestors(of: other).contains(candidate) {
                    dominated = true
                    break
                }
            }
            if !dominated { best.append(candidate) }
        }
        return try best.max { (try commit($0).time, $0) < (try commit($1).time, $1) }
    }

    /// Creates a branch at `start` (default HEAD's commit).
    /// - Throws: ``ModelRepositoryError/refConflict(ref:reason:)`` when it exists.
    public func createBranch(_ name: String, at start: String? = nil) throws {
        try Self.checkRefName(name)
        let target = try resolve(start ?? "HEAD")
        try write { db in
            try moveRef(
                db, "refs/heads/\(name)", expected: .some(nil), to: target,
                action: "branch: created from \(start ?? "HEAD")")
        }
    }

    /// Deletes a branch (not the one HEAD is on).
    public func deleteBranch(_ name: String) throws {
        guard try head() != .branch(name) else {
            throw ModelRepositoryError.refConflict(ref: name, reason: "HEAD is on it; check out another branch first")
        }
        guard let old = try branchCommit(name) else { throw ModelRepositoryError.unknownRef(name) }
        try write { db in
            try moveRef(db, "refs/heads/\(name)", expected: .some(old), to: nil, action: "branch: deleted")
        }
    }

    /// Creates a tag at `target` (default HEAD's commit).
    public func createTag(_ name: String, at target: String? = nil) throws {
        try Self.checkRefName(name)
        let id = try resolve(target ?? "HEAD")
        try write { db in try moveRef(db, "refs/tags/\(name)", expected: .some(nil), to: id, action: "tag") }
    }

    /// Points HEAD at a branch (which must exist, or be the unborn branch HEAD is on) or detaches it at a commit.
    public func setHead(_ name: String) throws {
        if try branchCommit(name) != nil || (try head() == .branch(name)) {
            try write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO settings (key, value) VALUES ('HEAD', ?)",
                    arguments: ["ref: refs/heads/\(name)"])
                try appendReflog(
                    db, ref: "HEAD", old: nil,
                    new: try String.fetchOne(
                        db, sql: "SELECT target FROM refs WHERE name = ?", arguments: ["refs/heads/\(name)"]),
                    action: "checkout: moving to \(name)")
            }
            return
        }
        let id = try resolve(name)
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO settings (key, value) VALUES ('HEAD', ?)", arguments: [id])
            try appendReflog(db, ref: "HEAD", old: nil, new: id, action: "checkout: detached at \(name)")
        }
    }

    /// The reflog of a ref (`main`, `refs/heads/main`, `HEAD`), newest first; every ref when nil.
    public func reflog(_ ref: String? = nil) throws -> [ReflogEntry] {
        try read { db in
            let rows: [Row]
            if let ref {
                let full = ref == "HEAD" || ref.hasPrefix("refs/") ? ref : "refs/heads/\(ref)"
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM reflog WHERE ref = ? ORDER BY seq DESC", arguments: [full])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM reflog ORDER BY seq DESC")
            }
            return rows.map {
                ReflogEntry(ref: $0["ref"], old: $0["old"], new: $0["new"], action: $0["action"], time: $0["time"])
            }
        }
    }

    /// Moves a ref inside a write transaction, only if it still points at `expected` (`.some(nil)`: must not exist;
    /// `nil`: any), and appends to the reflog.
    func moveRef(_ db: Database, _ ref: String, expected: String??, to target: String?, action: String) throws {
        let current = try String.fetchOne(db, sql: "SELECT target FROM refs WHERE name = ?", arguments: [ref])
        if let expected, current != expected {
            let reason =
                expected == nil
                ? "exists already (at \(current ?? "?"))"
                : "moved to \(current ?? "nothing") while this change was prepared from \(expected ?? "nothing"); nothing was changed, retry"
            throw ModelRepositoryError.refConflict(ref: ref, reason: reason)
        }
        if let target {
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM commits WHERE id = ?", arguments: [target]) == 1
            else {
                throw ModelRepositoryError.unknownRef(target)
            }
            try db.execute(sql: "INSERT OR REPLACE INTO refs (name, target) VALUES (?, ?)", arguments: [ref, target])
        } else {
            try db.execute(sql: "DELETE FROM refs WHERE name = ?", arguments: [ref])
        }
        try appendReflog(db, ref: ref, old: current, new: target, action: action)
    }

    func appendReflog(_ db: Database, ref: String, old: String?, new: String?, action: String) throws {
        try db.execute(
            sql: "INSERT INTO reflog (ref, old, new, action, time) VALUES (?, ?, ?, ?, ?)",
            arguments: [ref, old, new, action, Self.now()])
    }

    static func checkRefName(_ name: String) throws {
        let valid =
            !name.isEmpty && !name.hasPrefix("-") && !name.contains("..") && !name.hasSuffix("/")
            && name.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) } && name != "HEAD"
            && !(name.count == 64 && name.allSatisfy(\.isHexDigit))
        guard valid else {
            throw ModelRepositoryError.refConflict(
                ref: name, reason: "not a valid name (letters, digits, - _ . /; no \"..\", not HEAD)")
        }
    }
}
