import Foundation
import ModelRepository

/// A model repository (`foundry model init`, issue 19) as a source of adapters: each branch whose head commit is a
/// LoRA adapter commit (a tree with `adapter_config.json` and `adapter_model.safetensors`) is an adapter, its id the
/// branch name. Branches holding full models are not adapters.
///
/// Reading an adapter rebuilds its two files from the repository's objects in memory — the configuration blob, and
/// the safetensors header blob followed by each tensor object in data order — every object checked against its
/// address; no checkout folder is written. A branch is resolved when it is read, so a branch that moved since the
/// listing gives its new head.
public struct RepositoryAdapterSource: AdapterSource {
    /// The repository.
    public let repository: ModelRepository

    /// Opens the repository in the folder `url`.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` naming the folder when it holds no repository.
    public init(repository url: URL) throws {
        do { repository = try ModelRepository(root: url) } catch let error as ModelRepositoryError {
            throw ServingError.invalidRequest(field: "repository", reason: error.description)
        } catch {
            throw ServingError.invalidRequest(field: "repository", reason: "\(url.path): \(error)")
        }
    }

    /// A source over an open repository.
    public init(repository: ModelRepository) {
        self.repository = repository
    }

    /// The branches whose head commit is an adapter commit, sorted (reads each head's commit and tree object, never a
    /// tensor).
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` when the repository's metadata or a head commit cannot
    ///   be read.
    public func adapterIDs() throws -> [String] {
        do {
            return try repository.branches().filter { branch in
                try repository.tree(repository.commit(branch.commit).tree).isAdapter
            }.map(\.name).sorted()
        } catch let error as ModelRepositoryError {
            throw ServingError.invalidRequest(
                field: "repository", reason: "\(repository.root.path): \(error.description)")
        }
    }

    /// Rebuilds the branch's adapter files from the objects.
    /// - Throws: ``ServingError/unknownAdapter(id:)`` when no branch is named `id`;
    ///   ``ServingError/adapterLoadFailed(id:reason:)`` when its head is not an adapter commit or an object is missing
    ///   or corrupt (naming the file and object).
    public func read(_ id: String) throws -> SerializedAdapter {
        let origin = "\(repository.root.path)@\(id)"
        do {
            guard let head = try repository.branchCommit(id) else { throw ServingError.unknownAdapter(id: id) }
            let tree = try repository.tree(repository.commit(head).tree)
            guard tree.isAdapter, let configurationFile = tree.file(PEFTFolder.configurationName),
                let weightsFile = tree.file(PEFTFolder.weightsName)
            else {
                throw ServingError.adapterLoadFailed(
                    id: id, reason: "\(origin): the head commit \(head.prefix(12)) is not a LoRA adapter")
            }
            let adapter = SerializedAdapter(
                configuration: try bytes(of: configurationFile, origin: origin, id: id),
                weights: try bytes(of: weightsFile, origin: origin, id: id), origin: origin)
            try adapter.checkLayout(id: id)
            return adapter
        } catch let error as ModelRepositoryError {
            throw ServingError.adapterLoadFailed(id: id, reason: "\(origin): \(error.description)")
        }
    }

    /// A committed file's bytes as they were committed.
    private func bytes(of file: Tree.File, origin: String, id: String) throws -> Data {
        var data = try repository.objects.bytes(file.object, kind: .blob)
        if file.kind == .safetensors {
            data.reserveCapacity(file.size)
            for entry in file.tensors ?? [] {
                let tensor = try repository.objects.tensor(entry.object)
                guard tensor.dtype == entry.dtype, tensor.shape == entry.shape else {
                    throw ServingError.adapterLoadFailed(
                        id: id,
                        reason:
                            "\(origin)/\(file.path): object \(entry.object) holds a \(tensor.dtype) \(tensor.shape) tensor, the tree lists \(entry.name) as \(entry.dtype) \(entry.shape)"
                    )
                }
                data.append(tensor.bytes)
            }
        }
        guard data.count == file.size else {
            throw ServingError.adapterLoadFailed(
                id: id, reason: "\(origin)/\(file.path): rebuilt \(data.count) bytes, the tree lists \(file.size)")
        }
        return data
    }
}
