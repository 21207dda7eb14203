/// The steps of a spec as a graph: who reads whom, in an order where every step comes after its inputs.
public struct PipelineGraph: Sendable {
    /// The step names in execution order: every step after its inputs; among ready steps, declaration order.
    public let order: [String]
    /// For each step, the steps that read it.
    public let readers: [String: [String]]

    /// Builds the graph.
    ///
    /// - Parameter spec: a spec whose inputs all name steps (``PipelineSpec/validate()`` checks that first).
    /// - Throws: ``PipelinesError/cycle(steps:)`` with the steps around a cycle, in order;
    ///   ``PipelinesError/invalidSpec(path:line:key:reason:)`` for an input naming no step.
    /// - Complexity: O(steps + edges) (Kahn's algorithm), with O(steps²) for picking ready steps in declaration order.
    public init(_ spec: PipelineSpec) throws {
        let names = spec.steps.map(\.name)
        let known = Set(names)
        var remaining: [String: Int] = [:]
        var readers: [String: [String]] = [:]
        for step in spec.steps {
            let inputs = Set(step.action.inputs)
            for input in inputs {
                guard known.contains(input) else {
                    throw PipelinesError.invalidSpec(
                        path: spec.source, line: step.location?.line, key: "steps.\(step.name)",
                        reason: "no step named '\(input)'")
                }
                readers[input, default: []].append(step.name)
            }
            remaining[step.name] = inputs.count
        }
        var order: [String] = []
        var done = Set<String>()
        while order.count < names.count {
            guard let next = names.first(where: { !done.contains($0) && remaining[$0] == 0 }) else {
                throw PipelinesError.cycle(steps: Self.cycle(in: spec, excluding: done))
            }
            order.append(next)
            done.insert(next)
            for reader in readers[next] ?? [] { remaining[reader, default: 0] -= 1 }
        }
        self.order = order
        self.readers = readers
    }

    /// The steps `name` depends on, directly or not, and `name` itself, in execution order.
    public func closure(of name: String, in spec: PipelineSpec) -> [String] {
        var needed = Set<String>()
        var stack = [name]
        while let next = stack.popLast() {
            guard needed.insert(next).inserted else { continue }
            stack += spec.step(named: next)?.action.inputs ?? []
        }
        return order.filter { needed.contains($0) }
    }

    /// One cycle among the steps not yet ordered, in order along the inputs (starting at the first declared step
    /// on it).
    static func cycle(in spec: PipelineSpec, excluding done: Set<String>) -> [String] {
        let inputs = Dictionary(
            spec.steps.map { ($0.name, $0.action.inputs.filter { !done.contains($0) }) },
            uniquingKeysWith: { first, _ in first })
        guard var current = spec.steps.first(where: { !done.contains($0.name) })?.name else { return [] }
        var path: [String] = []
        var seen: [String: Int] = [:]
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            guard let next = inputs[current]?.first else { return path }
            current = next
        }
        // `path[seen[current]...]` walks against the data flow (each step → its input); report it along the flow.
        let loop = Array(path[(seen[current] ?? 0)...].reversed())
        let start = loop.firstIndex { name in spec.steps.first { loop.contains($0.name) }?.name == name } ?? 0
        return Array(loop[start...] + loop[..<start])
    }
}
