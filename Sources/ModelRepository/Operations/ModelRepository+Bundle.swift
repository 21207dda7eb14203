import Crypto
import FoundryCore
import Foundation

/// What a bundle holds.
public struct BundleSummary: Codable, Sendable, Equatable {
    /// Branch name → commit.
    public var refs: [String: String]
    /// Commits the receiving repository must have already (the start of the range).
    public var prerequisites: [String]
    /// Objects in the bundle.
    public var objects: Int
    /// The bundle's size in bytes.
    public var bytes: Int
}

/// A bundle file: one file carrying a range of commits and every object they need beyond the prerequisites.
///
/// Layout: `FOUNDRY-BUNDLE 1\n`, an 8-byte little-endian header length, the header (JSON: refs, prerequisites and
/// each object's address and size, in dependency order), the object files back to back, and the SHA-256 of everything
/// before it. Reading re-hashes every object (so an edited or cut object is named) and then the whole file.
enum BundleFormat {
    static let magic = Array("FOUNDRY-BUNDLE 1\n".utf8)

    struct Header: Codable {
        struct Entry: Codable {
            var id: String
            var size: Int
        }
        var refs: [String: String]
        var prerequisites: [String]
        var objects: [Entry]
    }
}

extension ModelRepository {
    /// Objects reachable from `commits` (their trees, tensors, sparse bases, parents), sparse bases read from each
    /// object's header.
    func objectsReachable(from commits: [String]) throws -> Set<String> {
        try objectsReachable(from: commits) { try objects.header($0).base }
    }

    /// Objects reachable from `commits`, with `sparseBase` naming the object a sparse tensor is stored against.
    func objectsReachable(from commits: [String], sparseBase: (String) throws -> String?) throws -> Set<String> {
        var out: Set<String> = []
        var stack = commits
        while let id = stack.popLast() {
            guard out.insert(id).inserted else { continue }
            let record = try commit(id)
            stack.append(contentsOf: record.parents)
            if let base = record.base { stack.append(base) }
            out.insert(record.tree)
            for object in try tree(record.tree).objectIDs {
                var next: String? = object
                while let current = next, out.insert(current).inserted { next = try sparseBase(current) }
            }
        }
        return out
    }

    /// Writes a bundle of the commits reachable from `refs` but not from `since` (all of their history when empty).
    /// - Parameters:
    ///   - url: the bundle file (written atomically).
    ///   - refs: branches (or tags) to carry; each arrives as a branch of the same name.
    ///   - since: refs the receiver already has.
    public func createBundle(at url: URL, refs: [String], since: [String] = []) throws -> BundleSummary {
        var tips: [String: String] = [:]
        for ref in refs { tips[Self.taskName(ref)] = try resolve(ref) }
        let prerequisites = try since.map { try resolve($0) }
        let present = try objectsReachable(from: prerequisites)
        let ids = try missingObjects(from: Array(tips.values), has: { present.contains($0) })
        var entries: [BundleFormat.Header.Entry] = []
        var body = Data()
        for id in ids {
            let file = try objects.rawBytes(id)
            entries.append(BundleFormat.Header.Entry(id: id, size: file.count))
            body.append(file)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(
            BundleFormat.Header(refs: tips, prerequisites: prerequisites, objects: entries))
        var out = Data(BundleFormat.magic)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        out.append(body)
        out.append(contentsOf: SHA256.hash(data: out))
        do { try AtomicFile.write(out, to: url) } catch {
            throw ModelRepositoryError.io(path: url.path, reason: "\(error)")
        }
        return BundleSummary(refs: tips, prerequisites: prerequisites, objects: ids.count, bytes: out.count)
    }

    /// Reads and verifies a bundle: every object re-hashed (sparse tensors reconstructed from the bundle or this
    /// repository), the whole file's checksum, and the prerequisites present here.
    /// - Returns: the summary and the object files in order.
    /// - Throws: ``ModelRepositoryError/invalidBundle(path:reason:)`` naming the object or the part that is wrong.
    func readBundle(_ url: URL) throws -> (BundleSummary, [(String, Data)]) {
        func fail(_ reason: String) -> ModelRepositoryError { .invalidBundle(path: url.path, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw fail(error.localizedDescription) }
        let magic = BundleFormat.magic
        guard data.count >= magic.count + 8, Array(data.prefix(magic.count)) == magic else {
            throw fail("not a Foundry bundle (bad or missing signature)")
        }
        var length = 0
        for i in 0..<8 { length |= Int(data[magic.count + i]) << (8 * i) }
        let headerStart = magic.count + 8
        guard length > 0, length <= data.count - headerStart else {
            throw fail("its header length \(length) runs past the end of the file (truncated)")
        }
        let header: BundleFormat.Header
        do {
            header = try JSONDecoder().decode(
                BundleFormat.Header.self, from: data[headerStart..<(headerStart + length)])
        } catch {
            throw fail("its header is not valid (edited?)")
        }
        var offset = headerStart + length
        var files: [(String, Data)] = []
        var received: [String: Data] = [:]
        for entry in header.objects {
            guard entry.size >= 0, offset + entry.size <= data.count else {
                throw fail("object \(entry.id) is cut short: the file ends before its \(entry.size) bytes (truncated)")
            }
            let file = data[offset..<(offset + entry.size)]
            offset += entry.size
            do {
                let (objectHeader, _) = try ObjectHeader.parse(file, id: entry.id)
                if objectHeader.kind == .tensor {
                    var depth = 0
                    _ = try ObjectStore.tensor(entry.id, depth: &depth) { other in
                        if other == entry.id { return Data(file) }
                        if let known = received[other] { return known }
                        return try self.objects.rawBytes(other)
                    }
                } else {
                    _ = try ObjectStore.bytes(entry.id, kind: objectHeader.kind, file: Data(file))
                }
            } catch let error as ModelRepositoryError {
                throw fail("object \(entry.id) does not verify: \(error)")
            }
            received[entry.id] = Data(file)
            files.append((entry.id, Data(file)))
        }
        guard data.count - offset == 32 else {
            throw fail(
                data.count - offset < 32
                    ? "its checksum is missing or cut short (truncated)"
                    : "\(data.count - offset - 32) unexpected bytes follow the objects (edited)")
        }
        guard Array(SHA256.hash(data: data[..<offset])) == Array(data[offset...]) else {
            throw fail("its checksum does not match its contents (edited)")
        }
        for prerequisite in header.prerequisites where !(try isListed(prerequisite)) {
            throw fail("it needs commit \(prerequisite), which this repository lacks (fetch or unbundle that first)")
        }
        let summary = BundleSummary(
            refs: header.refs, prerequisites: header.prerequisites, objects: files.count, bytes: data.count)
        return (summary, files)
    }

    /// Verifies a bundle against this repository without changing anything.
    public func verifyBundle(_ url: URL) throws -> BundleSummary { try readBundle(url).0 }

    /// Verifies a bundle and receives its objects; each of its branches is created or fast-forwarded (moved anyway
    /// with `force`).
    /// - Throws: ``ModelRepositoryError/invalidBundle(path:reason:)``; ``ModelRepositoryError/refConflict(ref:reason:)``
    ///   when a branch would not move forward (nothing is changed).
    public func unbundle(_ url: URL, force: Bool = false) throws -> TransferResult {
        let (summary, files) = try readBundle(url)
        var updates: [(ref: String, expected: String?, new: String)] = []
        for (name, tip) in summary.refs.sorted(by: { $0.key < $1.key }) {
            let current = try branchCommit(name)
            if let current, current != tip, !force {
                // The tip's history is in the bundle or here; walk it through both.
                var seen: Set<String> = []
                var stack = [tip]
                var found = false
                let lookup = Dictionary(files, uniquingKeysWith: { a, _ in a })
                while let id = stack.popLast(), !found {
                    guard seen.insert(id).inserted else { continue }
                    if id == current {
                        found = true
                        break
                    }
                    let content =
                        try lookup[id].map { try ObjectStore.bytes(id, kind: .commit, file: $0) }
                        ?? objects.bytes(id, kind: .commit)
                    if let record = try? JSONDecoder().decode(Commit.self, from: content) {
                        stack.append(contentsOf: record.parents)
                    }
                }
                guard found else {
                    throw ModelRepositoryError.refConflict(
                        ref: name, reason: "the bundle's \(name) does not descend from ours (use --force)")
                }
            }
            if current != tip { updates.append(("refs/heads/\(name)", current, tip)) }
        }
        return try receive(files.filter { !(try isListed($0.0)) }, updates: updates, source: url.path)
    }
}
