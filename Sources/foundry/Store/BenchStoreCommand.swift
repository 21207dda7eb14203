import ArgumentParser
import DatasetStore
import Foundation

/// `foundry bench store`: import 1,000,000 short rows as one version, read it back, and time one
/// authorization check with 100,000 grants in the store. The store lives in a temporary directory.
struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Benchmark the dataset store: bulk import, read-back, authorization with many grants.",
        discussion: """
            Prints one JSON object. Import = hashing + validation + inserting the rows with reused prepared \
            64-row INSERT statements in one transaction + commit (WAL, synchronous=NORMAL). Read = streaming the \
            version back through the audited, authorized API. Authorization = `isAllowed` (a pooled read connection, \
            the grant-epoch check and the cached decision), the authorization function as operations run \
            it inside their transaction (`areAllowed`, batches of 1,000), and the cached decision alone; \
            medians over many calls. Gate = a server's check per request through a warm `ModelAccessGate`: \
            `authorize(token:operation:model:)` (one read of the store's epochs), and `authenticate` then \
            `authorize` (two reads). Build with -c release.
            """)

    @Option(help: "Rows in the imported version.")
    var rows: Int = 1_000_000

    @Option(help: "Grants in the store for the authorization benchmark.")
    var grants: Int = 100_000

    @Option(help: "Principals and datasets the grants are spread over (each).")
    var spread: Int = 1_000

    @Option(help: "Timed runs of the import and read; medians are reported.")
    var runs: Int = 3

    @Flag(help: "Print JSON (the default and only format).")
    var json = false

    func validate() throws {
        guard rows >= 1, grants >= 1, spread >= 1, runs >= 1 else {
            throw ValidationError("all counts must be at least 1")
        }
    }

    struct Output: Encodable {
        let rows: Int
        let runs: Int
        let importSecondsMedian: Double
        let importSecondsAll: [Double]
        let importRowsPerSecond: Double
        let reimportIdenticalSeconds: Double
        let readSecondsMedian: Double
        let readRowsPerSecond: Double
        let storeBytes: Int64
        let grants: Int
        let principals: Int
        let datasets: Int
        let grantSetupSeconds: Double
        let authorizationIsAllowedMedianUs: Double
        let authorizationCheckInTransactionMedianUs: Double
        let authorizationCachedDecisionMedianNs: Double
        let authorizationChecksTimed: Int
        let gateAuthorizeTokenMedianUs: Double
        let gateAuthenticateThenAuthorizeMedianUs: Double
        let gateCallsTimed: Int
        let integrityCheck: String
        let auditVerified: Bool
        let goals: [String: String]
    }

    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-bench-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bench.sqlite").path
        let store = try SQLiteDatasetStore(path: path)
        let owner = try store.bootstrapOwner(name: "bench").principal

        // 1. Bulk import: `runs` distinct versions (different content, so none is deduplicated).
        var importTimes: [Double] = []
        var lastRows: [Example] = []
        for run in 0..<runs {
            let examples = (0..<rows).map {
                Example(id: "r\($0)", text: "short text row \($0) of run \(run), lorem ipsum")
            }
            _ = try store.createDataset(name: "bench-\(run)", license: "CC0-1.0", attribution: "synthetic", as: owner)
            printError("bench store: importing \(rows) rows (run \(run + 1)/\(runs))")
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try store.importVersion(examples, into: "bench-\(run)", as: owner)
            importTimes.append(Self.seconds(since: start))
            precondition(result.created && result.version.rowCount == rows, "import did not create the version")
            lastRows = examples
        }
        let reimportStart = DispatchTime.now().uptimeNanoseconds
        let again = try store.importVersion(lastRows, into: "bench-\(runs - 1)", as: owner)
        let reimport = Self.seconds(since: reimportStart)
        precondition(!again.created, "identical rows must not create a version")
        lastRows = []

        // 2. Read back.
        var readTimes: [Double] = []
        for run in 0..<runs {
            printError("bench store: reading back (run \(run + 1)/\(runs))")
            var count = 0
            var bytes = 0
            let start = DispatchTime.now().uptimeNanoseconds
            try store.forEachExample(of: "bench-\(run)", as: owner) { example in
                count += 1
                bytes &+= example.text.utf8.count
            }
            readTimes.append(Self.seconds(since: start))
            precondition(count == rows && bytes > 0, "read-back lost rows")
        }

        // 3. Authorization with `grants` grants over `spread` principals × `spread` datasets.
        printError("bench store: creating \(spread) principals, \(spread) datasets, \(grants) grants")
        let setupStart = DispatchTime.now().uptimeNanoseconds
        var principals: [Principal] = []
        for index in 0..<spread {
            _ = try store.createDataset(name: "ds-\(index)", license: "CC0-1.0", attribution: "synthetic", as: owner)
            principals.append(try store.createPrincipal(name: "user-\(index)", kind: .person, as: owner))
        }
        let roles = ["viewer", "labeler", "maintainer"]
        var requests: [GrantRequest] = []
        requests.reserveCapacity(grants)
        var seen = Set<Int>()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while requests.count < grants {
            // splitmix64: a fixed, seeded spread of (principal, dataset, role) triples.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let principal = Int(z % UInt64(spread)), dataset = Int((z >> 20) % UInt64(spread)),
                role = Int((z >> 40) % 3)
            guard seen.insert((principal * spread + dataset) * 3 + role).inserted else { continue }
            requests.append(GrantRequest(principal: "user-\(principal)", role: roles[role], dataset: "ds-\(dataset)"))
        }
        _ = try store.grantMany(requests, as: owner)
        let setup = Self.seconds(since: setupStart)

        let actions = Action.allCases
        let checks = 20_000
        var isAllowedTimes: [Double] = []
        isAllowedTimes.reserveCapacity(checks)
        var allowedCount = 0
        for index in 0..<checks {
            let principal = principals[index % principals.count]
            let dataset = "ds-\((index &* 7919) % spread)"
            let start = DispatchTime.now().uptimeNanoseconds
            if try store.isAllowed(principal, actions[index % actions.count], dataset: dataset) { allowedCount += 1 }
            isAllowedTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        // The authorization function as operations run it (grant-epoch read + cached decision), in
        // one snapshot, timed in batches of 1,000 questions.
        var inTransactionTimes: [Double] = []
        for batch in 0..<200 {
            let principal = principals[batch % principals.count]
            let questions = (0..<1_000).map { index in
                (action: actions[index & 7], dataset: Optional("ds-\((index &* 7919 &+ batch) % spread)"))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let answers = try store.areAllowed(principal, questions)
            inTransactionTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            allowedCount += answers.filter { $0 }.count
        }
        // The cached decision alone, timed in batches of 1,000 (one call is below the clock's resolution).
        let snapshots = try principals.prefix(100).map { try store.permissions(of: $0) }
        var decisionTimes: [Double] = []
        var sink = 0
        for batch in 0..<2_000 {
            let snapshot = snapshots[batch % snapshots.count]
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<1_000
            where snapshot.allows(actions[index & 7], datasetID: Int64(2 + (index &* 7919) % spread)) {
                sink &+= 1
            }
            decisionTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000)
        }
        printError("bench store: \(allowedCount) of \(checks) checks allowed, \(sink) cached decisions allowed")

        // 4. What a server does per request (issue 20): authenticate a bearer token and authorize invoking a model
        // through a warm `ModelAccessGate` (each token verified once), which reads the store's epochs on every call.
        // Timed in batches of 100 calls.
        let holders = Array(principals.prefix(100))
        _ = try store.grantMany(
            holders.enumerated().map {
                GrantRequest(principal: $0.element.name, role: "viewer", model: "model-\($0.offset % 10)")
            }, as: owner)
        let tokens = try holders.map { try store.issueToken(for: $0.name, as: owner).token }
        let gate = ModelAccessGate(store: store)
        for (index, token) in tokens.enumerated() {
            _ = try gate.authorize(token: token, operation: .invoke, model: "model-\(index % 10)")
        }
        var gateCombined: [Double] = [], gateSeparate: [Double] = []
        for batch in 0..<1_000 {
            let token = tokens[batch % tokens.count], model = "model-\(batch % tokens.count % 10)"
            var start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<100 { _ = try gate.authorize(token: token, operation: .invoke, model: model) }
            gateCombined.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 100_000)
            start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<100 {
                let caller = try gate.authenticate(token: token)
                try gate.authorize(caller, operation: .invoke, model: model)
            }
            gateSeparate.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 100_000)
        }

        let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value) ?? 0
        let wal =
            ((try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)??.int64Value) ?? 0
        let importMedian = Self.median(importTimes), readMedian = Self.median(readTimes)
        let output = Output(
            rows: rows, runs: runs, importSecondsMedian: importMedian, importSecondsAll: importTimes,
            importRowsPerSecond: Double(rows) / importMedian, reimportIdenticalSeconds: reimport,
            readSecondsMedian: readMedian, readRowsPerSecond: Double(rows) / readMedian, storeBytes: size + wal,
            grants: grants, principals: spread + 1, datasets: spread + runs, grantSetupSeconds: setup,
            authorizationIsAllowedMedianUs: Self.median(isAllowedTimes),
            authorizationCheckInTransactionMedianUs: Self.median(inTransactionTimes),
            authorizationCachedDecisionMedianNs: Self.median(decisionTimes), authorizationChecksTimed: checks,
            gateAuthorizeTokenMedianUs: Self.median(gateCombined),
            gateAuthenticateThenAuthorizeMedianUs: Self.median(gateSeparate), gateCallsTimed: 200_000,
            integrityCheck: try store.integrityCheck().joined(separator: ","),
            auditVerified: try store.verifyAuditLog(as: owner).ok,
            goals: ["import_seconds": "< 10 for 1,000,000 rows", "authorization_us": "< 10 with 100,000 grants"])
        try printBenchJSON(output)
    }
}
