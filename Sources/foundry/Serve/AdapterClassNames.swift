import Foundation

/// Class names of an adapter's head, read from its folder: `class_names` in `training.json` (or a `labels.json`
/// holding an array of names), cached per id.
final class AdapterClassNames: @unchecked Sendable {
    // Invariant (`@unchecked Sendable`): `cache` is read and written only while holding `lock`.
    private let folders: [URL]
    private let lock = NSLock()
    private var cache: [String: [String]?] = [:]

    init(folders: [URL?]) { self.folders = folders.compactMap { $0 } }

    /// The reader the runtime calls.
    var reader: @Sendable (String) -> [String]? { { [self] id in names(of: id) } }

    func names(of id: String) -> [String]? {
        if let cached = lock.withLock({ cache[id] }) { return cached }
        var found: [String]?
        for folder in folders {
            let directory = folder.appendingPathComponent(id, isDirectory: true)
            if let data = try? Data(contentsOf: directory.appendingPathComponent("labels.json")),
                let names = try? JSONDecoder().decode([String].self, from: data)
            {
                found = names
                break
            }
            if let data = try? Data(contentsOf: directory.appendingPathComponent("training.json")),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let names = object["class_names"] as? [String]
            {
                found = names
                break
            }
        }
        lock.withLock { cache[id] = found }
        return found
    }
}
