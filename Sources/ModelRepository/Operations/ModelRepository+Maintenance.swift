import Foundation
import GRDB

/// What `fsck` found.
public struct FsckReport: Codable, Sendable, Equatable {
    /// Objects checked.
    public var objectsChecked: Int
    /// Commits reachable from refs.
    public var commitsChecked: Int
    /// Problems: each names the object or ref and what is wrong (empty when the repository is sound).
    public var problems: [String]
    /// Whether the repository is sound.
    public var isClean: Bool { problems.isEmpty }
}

/// What `gc` removed.
public struct GCReport: Codable, Sendable, Equatable {
    /// Listed objects removed because no ref reaches them.
    public var objectsRemoved: Int
    /// Object files removed that no listing names (left by interrupted commits) and temporary files.
    public var filesRemoved: Int
    /// Bytes freed.
    public var bytesFreed: Int
}

extension ModelRepository {
    /// Verifies a whole repository: every listed object is re-hashed from its file (sparse tensors reconstructed), every
    /// ref reaches commits whose trees and objects are listed and sound.
    public func fsck() throws -> FsckReport {
        var problems: [String] = []
        let listed = try read { db in try String.fetchAll(db, sql: "SELECT id FROM objects ORDER BY id") }
        let kinds = try read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT id, kind FROM objects").map {
                    ($0["id"] as String, $0["kind"] as String)
                },
                uniquingKeysWith: { a, _ in a })
        }
        for id in listed {
            do {
                switch ObjectKind(rawValue: kinds[id] ?? "") {
                case .tensor: _ = try objects.tensor(id)
                case let .some(kind): _ = try objects.bytes(id, kind: kind)
                case nil: problems.append("object \(id): unknown kind \(kinds[id] ?? "")")
                }
            } catch {
                problems.append("\(error)")
            }
        }
        let listedSet = Set(listed)
        var commits = 0
        let refs = try read { db in try Row.fetchAll(db, sql: "SELECT name, target FROM refs ORDER BY name") }
        var seen: Set<String> = []
        for row in refs {
            let ref: String = row["name"]
            var stack: [String] = [row["target"]]
            while let id = stack.popLast() {
                guard seen.insert(id).inserted else { continue }
                guard listedSet.contains(id) else {
                    problems.append("ref \(ref) reaches commit \(id), which is not in the repository")
                    continue
                }
                commits += 1
                do {
                    let record = try commit(id)
                    stack.append(contentsOf: record.parents)
                    guard listedSet.contains(record.tree) else {
                        problems.append("commit \(id) names tree \(record.tree), which is not in the repository")
                        continue
                    }
                    for object in try tree(record.tree).objectIDs where !listedSet.contains(object) {
                        problems.append("commit \(id) reaches object \(object), which is not in the repository")
                    }
                } catch {
                    problems.append("\(error)")
                }
            }
        }
        return FsckReport(objectsChecked: listed.count, commitsChecked: commits, problems: problems)
    }

    /// Every object reachable from a ref, HEAD or the reflog's last positions (commits, trees, blobs, tensors and
    /// sparse bases).
    func reachableObjects() throws -> Set<String> {
        var roots = try read { db in try String.fetchAll(db, sql: "SELECT target FROM refs") }
        if let head = try? headCommit() { roots.append(head) }
        // Sparse bases from the object listing, so that gc does not depend on reading every object file.
        let bases = try read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT id, base FROM objects WHERE base IS NOT NULL").map {
                    ($0["id"] as String, $0["base"] as String)
                }, uniquingKeysWith: { a, _ in a })
        }
        return try objectsReachable(from: roots) { bases[$0] }
    }

    /// Removes objects no ref reaches, object files no listing names, and temporary files; holds the repository's
    /// lock exclusively, so no commit runs meanwhile.
    public func gc() throws -> GCReport {
        try withLock(exclusive: true) {
            let reachable = try reachableObjects()
            let listed = try read { db in try String.fetchAll(db, sql: "SELECT id FROM objects") }
            let unreachable = listed.filter { !reachable.contains($0) }
            var freed = 0
            try write { db in
                for id in unreachable {
                    try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM commits WHERE id = ?", arguments: [id])
                }
            }
            let keep = Set(listed).subtracting(unreachable)
            var files = 0
            let manager = FileManager.default
            for folder in (try? manager.contentsOfDirectory(atPath: objects.root.path)) ?? [] {
                let folderURL = objects.root.appendingPathComponent(folder)
                for name in (try? manager.contentsOfDirectory(atPath: folderURL.path)) ?? [] {
                    let id = folder + name
                    guard !keep.contains(id) else { continue }
                    let url = folderURL.appendingPathComponent(name)
                    let size = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
                    if (try? manager.removeItem(at: url)) != nil {
                        freed += size
                        if !name.hasPrefix(".tmp-") && !unreachable.contains(id) { files += 1 }
                    }
                }
            }
            return GCReport(objectsRemoved: unreachable.count, filesRemoved: files, bytesFreed: freed)
        }
    }

    /// Bytes of the object files on disk and how many objects are listed, per kind and encoding.
    public func storageSummary() throws -> [String: Int] {
        try read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT kind, COALESCE(encoding, '') AS encoding, COUNT(*) AS n, SUM(stored) AS bytes FROM objects GROUP BY kind, encoding"
            ) {
                let kind: String = row["kind"]
                let encoding: String = row["encoding"]
                let key = encoding.isEmpty ? kind : "\(kind)_\(encoding)"
                out["\(key)_objects"] = row["n"]
                out["\(key)_bytes"] = row["bytes"]
                out["total_bytes", default: 0] += row["bytes"] as Int
            }
            return out
        }
    }
}
