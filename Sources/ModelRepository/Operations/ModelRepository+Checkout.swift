import Foundation

/// What `checkout` writes.
public enum CheckoutFormat: String, Sendable, CaseIterable, Codable {
    /// The commit's files exactly as committed (a PEFT adapter folder for an adapter commit).
    case files
    /// A PEFT adapter folder (the commit must be an adapter).
    case peft
    /// A full model in Hugging Face layout: an adapter commit's base with every adapted weight replaced by
    /// W + scaling·B·A; a full model commit's own files.
    case hf
}

/// What `checkout` wrote.
public struct CheckoutResult: Codable, Sendable, Equatable {
    /// The commit.
    public var commit: String
    /// The folder written.
    public var output: String
    /// The format.
    public var format: CheckoutFormat
    /// Files written.
    public var files: Int
    /// Bytes written.
    public var bytes: Int
    /// Weights materialized from low-rank updates (hf of an adapter).
    public var lowRankWeights: Int
}

extension ModelRepository {
    /// Writes a commit's model to a new folder, every object checked against its address on the way; the folder
    /// appears (by rename) only when complete.
    /// - Parameters:
    ///   - ref: the commit (a branch, tag, address).
    ///   - output: the folder to create (must not exist, or be empty).
    ///   - format: files, peft or hf.
    /// - Throws: ``ModelRepositoryError/unknownRef(_:)``, ``ModelRepositoryError/corruptObject(id:reason:)`` (nothing is
    ///   written), ``ModelRepositoryError/invalidInput(path:reason:)`` when the format does not fit the commit or the
    ///   folder is not empty.
    public func checkout(_ ref: String, to output: URL, format: CheckoutFormat = .files) throws -> CheckoutResult {
        let id = try resolve(ref)
        return try materialize(CommitRecord(id: id, commit: try commit(id)), to: output, format: format)
    }

    /// Writes a commit's model to a new folder (the commit may be a candidate whose objects are not listed yet).
    public func materialize(_ commitRecord: CommitRecord, to output: URL, format: CheckoutFormat) throws
        -> CheckoutResult
    {
        let id = commitRecord.id
        let record = commitRecord.commit
        let committed = try tree(record.tree)
        var files = committed.files
        var updates: [LowRankUpdate] = []
        switch format {
        case .files: break
        case .peft:
            guard committed.isAdapter else {
                throw ModelRepositoryError.invalidInput(
                    path: output.path, reason: "commit \(id.prefix(12)) is not an adapter; use --format files or hf")
            }
        case .hf:
            if committed.isAdapter {
                guard let base = record.base else {
                    throw ModelRepositoryError.invalidInput(
                        path: output.path,
                        reason: "adapter commit \(id.prefix(12)) names no base model commit (commit it with --base)")
                }
                files = try self.tree(self.commit(base).tree).files
                updates = try LowRankUpdate.updates(of: committed, store: objects) ?? []
            }
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: output.path, isDirectory: &isDirectory) {
            let contents = (try? manager.contentsOfDirectory(atPath: output.path)) ?? ["?"]
            guard isDirectory.boolValue, contents.isEmpty else {
                throw ModelRepositoryError.invalidInput(
                    path: output.path, reason: "the output exists and is not an empty folder")
            }
        }
        let parent = output.standardizedFileURL.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).partial-\(UUID().uuidString)")
        var bytes = 0
        var applied = 0
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                switch file.kind {
                case .blob:
                    let data = try objects.bytes(file.object, kind: .blob)
                    try DurableFile.write(data, to: url)
                    bytes += data.count
                case .safetensors:
                    var data = try objects.bytes(file.object, kind: .blob)
                    for entry in file.tensors ?? [] {
                        let tensor = try objects.tensor(entry.object)
                        guard tensor.dtype == entry.dtype, tensor.shape == entry.shape else {
                            throw ModelRepositoryError.corruptObject(
                                id: entry.object, reason: "the tree lists it as \(entry.dtype) \(entry.shape)")
                        }
                        if let update = updates.first(where: { $0.applies(to: entry.name) }),
                            var values = tensor.floats,
                            update.shape == entry.shape
                        {
                            let delta = try update.delta(objects)
                            for i in values.indices { values[i] += delta[i] }
                            values.withUnsafeBytes { data.append(contentsOf: $0) }
                            applied += 1
                        } else {
                            data.append(tensor.bytes)
                        }
                    }
                    try DurableFile.write(data, to: url)
                    bytes += data.count
                }
            }
            if format == .hf, applied != updates.count {
                throw ModelRepositoryError.invalidInput(
                    path: output.path,
                    reason:
                        "only \(applied) of the adapter's \(updates.count) updates matched a base weight of the same shape"
                )
            }
            if manager.fileExists(atPath: output.path) { try manager.removeItem(at: output) }
            try manager.moveItem(at: staging, to: output)
        } catch {
            try? manager.removeItem(at: staging)
            if let error = error as? ModelRepositoryError { throw error }
            throw ModelRepositoryError.io(path: output.path, reason: error.localizedDescription)
        }
        return CheckoutResult(
            commit: id, output: output.path, format: format, files: files.count, bytes: bytes, lowRankWeights: applied)
    }
}
