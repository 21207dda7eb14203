import Foundation
import Testing

@testable import DatasetStore

@Suite("Access policy: role × action matrix")
struct AccessPolicyTests {
    /// The role × action table as written in AccessPolicy.swift's doc comment.
    static func documentedTable() throws -> [String: Set<Action>] {
        let source = try String(
            contentsOf: FoundryBinary.packageRoot.appendingPathComponent(
                "Sources/DatasetStore/Access/AccessPolicy.swift"),
            encoding: .utf8)
        var header: [String] = []
        var table: [String: Set<Action>] = [:]
        for line in source.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("/// |") else { continue }
            let cells = trimmed.dropFirst(4).split(separator: "|", omittingEmptySubsequences: false).dropFirst()
                .dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.first == "role" { header = Array(cells.dropFirst()); continue }
            if cells.first?.hasPrefix("---") == true { continue }
            guard let role = cells.first else { continue }
            var actions: Set<Action> = []
            for (index, cell) in cells.dropFirst().enumerated() where cell == "✓" {
                actions.insert(try #require(Action(rawValue: header[index])))
            }
            table[role] = actions
        }
        return table
    }

    @Test("the documented table and the static table agree, for every built-in role and action")
    func documentedTableMatchesStaticTable() throws {
        let documented = try Self.documentedTable()
        #expect(Set(documented.keys) == Set(AccessPolicy.builtInRoles.map(\.name)))
        for role in AccessPolicy.builtInRoles {
            for action in Action.allCases {
                #expect(
                    documented[role.name]?.contains(action) == role.actions.contains(action),
                    "\(role.name) × \(action.rawValue)")
            }
        }
    }

    enum Scope: CaseIterable { case storeWide, dataset }

    /// Performs the real operation that needs `action` and reports whether it was allowed.
    static func attempt(_ action: Action, as principal: Principal, in fixture: TemporaryStore, attempt number: Int)
        throws -> Bool
    {
        let store = fixture.store
        do {
            switch action {
            case .read:
                _ = try store.examples(of: "d", as: principal)
            case .readSensitive:
                // Observed through masking when the principal can read, else through the checker.
                guard try store.isAllowed(principal, .read, dataset: "d") else {
                    return try store.isAllowed(principal, .readSensitive, dataset: "d")
                }
                let rows = try store.examples(of: "d", as: principal)
                return rows.first?.fields["email"] != Example.maskedValue
            case .write:
                try store.importVersion(TemporaryStore.rows(3, tag: "-w\(number)"), into: "d", as: principal)
            case .label:
                try store.setGoldLabels(["e0": 1], dataset: "d", version: nil, as: principal)
            case .export:
                _ = try store.export("d", as: principal)
            case .grant:
                _ = try store.grant(role: "viewer", to: "helper", dataset: "d", as: principal)
            case .delete:
                _ = try store.eraseExample("e9", from: "d", as: principal)
            case .admin:
                _ = try store.createPrincipal(name: "made-\(number)", kind: .service, as: principal)
            }
            return true
        } catch let DatasetStoreError.permissionDenied(name, denied, _) {
            #expect(name == principal.name)
            #expect(denied == action || action == .readSensitive)
            return false
        }
    }

    static let rolesUnderTest: [Role] =
        AccessPolicy.builtInRoles + [
            Role(name: "auditor", actions: [.read, .admin], isBuiltIn: false),
            Role(name: "exporter", actions: [.read, .readSensitive, .export], isBuiltIn: false),
            Role(name: "nothing", actions: [], isBuiltIn: false),
        ]

    @Test(
        "every role × action × scope is allowed exactly when the policy table says so, and every attempt is audited",
        arguments: rolesUnderTest, Scope.allCases)
    func matrix(role: Role, scope: Scope) throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        try fixture.dataset("d", rows: 10, sensitive: ["email"])
        try fixture.dataset("other", rows: 2)
        _ = try store.createPrincipal(name: "helper", kind: .person, as: fixture.owner)
        if !role.isBuiltIn { _ = try store.defineRole(name: role.name, actions: role.actions, as: fixture.owner) }
        let principal = try fixture.principal("p", role: role.name, dataset: scope == .dataset ? "d" : nil)

        for (number, action) in Action.allCases.enumerated() {
            let expected = role.actions.contains(action) && (scope == .storeWide || action != .admin)
            let before = try store.auditLog(limit: 1_000_000, as: fixture.owner).count
            let allowed = try Self.attempt(action, as: principal, in: fixture, attempt: number)
            #expect(allowed == expected, "\(role.name) (\(scope)) × \(action.rawValue)")
            let checker = try store.isAllowed(principal, action, dataset: action == .admin ? nil : "d")
            #expect(checker == expected, "isAllowed: \(role.name) (\(scope)) × \(action.rawValue)")
            // The attempt appended entries (the owner's audit read adds one more of its own).
            let entries = try store.auditLog(limit: 1_000_000, as: fixture.owner)
            let mine = entries.dropFirst(before).filter { $0.principal == "p" }
            if action != .readSensitive { #expect(!mine.isEmpty) }
            if !allowed && action != .readSensitive {
                #expect(mine.contains { $0.outcome == .denied && $0.action == action.rawValue })
            }
        }
        // Store-wide-only write: creating a dataset.
        let creates: Bool
        do {
            _ = try store.createDataset(name: "new", license: "MIT", attribution: "x", as: principal)
            creates = true
        } catch DatasetStoreError.permissionDenied { creates = false }
        #expect(creates == (role.actions.contains(.write) && scope == .storeWide))
        // A dataset-scoped grant says nothing about other datasets.
        let readsOther = (try? store.examples(of: "other", as: principal)) != nil
        #expect(readsOther == (role.actions.contains(.read) && scope == .storeWide))
        #expect(try store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("granting a role needs every action of that role on the scope: no privilege escalation")
    func noPrivilegeEscalation() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        let maintainer = try fixture.principal("m", role: "maintainer", dataset: "d")
        _ = try fixture.store.createPrincipal(name: "friend", kind: .person, as: fixture.owner)
        #expect(throws: DatasetStoreError.privilegeEscalation(principal: "m", role: "owner", missing: [.admin])) {
            try fixture.store.grant(role: "owner", to: "friend", dataset: "d", as: maintainer)
        }
        let refusals = try fixture.store.auditLog(as: fixture.owner).filter {
            $0.principal == "m" && $0.operation == "grant"
        }
        #expect(refusals.map(\.outcome) == [.denied])
        // Within its powers it may grant, and revoke what it granted.
        _ = try fixture.store.grant(role: "labeler", to: "friend", dataset: "d", as: maintainer)
        #expect(try fixture.store.isAllowed(try fixture.store.principals(as: fixture.owner)[2], .label, dataset: "d"))
        #expect(try fixture.store.revoke(role: "labeler", from: "friend", dataset: "d", as: maintainer))
        // Store-wide grants need store-wide grant rights.
        #expect(throws: DatasetStoreError.permissionDenied(principal: "m", action: .grant, dataset: nil)) {
            try fixture.store.grant(role: "viewer", to: "friend", dataset: nil, as: maintainer)
        }
    }

    @Test("revoking a role takes effect on the next check (the grant cache is invalidated)")
    func revokeInvalidatesCache() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        let viewer = try fixture.principal("v", role: "viewer", dataset: "d")
        #expect(try fixture.store.examples(of: "d", as: viewer).count == 5)
        #expect(try fixture.store.revoke(role: "viewer", from: "v", dataset: "d", as: fixture.owner))
        #expect(throws: DatasetStoreError.permissionDenied(principal: "v", action: .read, dataset: "d")) {
            try fixture.store.examples(of: "d", as: viewer)
        }
        #expect(try !fixture.store.revoke(role: "viewer", from: "v", dataset: "d", as: fixture.owner))
        // A second store handle on the same file (as another process would be) sees grants made here.
        let other = try SQLiteDatasetStore(path: fixture.path)
        #expect(try !other.isAllowed(viewer, .read, dataset: "d"))
        _ = try fixture.store.grant(role: "viewer", to: "v", dataset: "d", as: fixture.owner)
        #expect(try other.isAllowed(viewer, .read, dataset: "d"))
    }

    @Test("areAllowed answers many questions with the same authorization function")
    func batchQuestions() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        try fixture.dataset("e")
        let labeler = try fixture.principal("l", role: "labeler", dataset: "d")
        let answers = try fixture.store.areAllowed(
            labeler, [(.read, "d"), (.label, "d"), (.write, "d"), (.read, "e"), (.admin, nil), (.read, nil)])
        #expect(answers == [true, true, false, false, false, false])
        #expect(throws: DatasetStoreError.unknownDataset("zz")) {
            try fixture.store.areAllowed(labeler, [(.read, "zz")])
        }
        let snapshot = try fixture.store.permissions(of: labeler)
        #expect(snapshot.storeWide == .none)
        #expect(snapshot.perDataset.values.map(\.actions) == [[.read, .label]])
    }

    @Test("unknown roles, principals and datasets in grants are clear errors")
    func grantErrors() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        _ = try fixture.store.createPrincipal(name: "x", kind: .service, as: fixture.owner)
        #expect(throws: DatasetStoreError.unknownRole("superuser")) {
            try fixture.store.grant(role: "superuser", to: "x", dataset: "d", as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.unknownPrincipal("nobody")) {
            try fixture.store.grant(role: "viewer", to: "nobody", dataset: "d", as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.unknownDataset("nope")) {
            try fixture.store.grant(role: "viewer", to: "x", dataset: "nope", as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.duplicateName(kind: "role", name: "owner")) {
            try fixture.store.defineRole(name: "owner", actions: [.read], as: fixture.owner)
        }
        let grants = try fixture.store.grantMany(
            [
                GrantRequest(principal: "x", role: "viewer", dataset: "d"),
                GrantRequest(principal: "x", role: "labeler", dataset: nil),
            ],
            as: fixture.owner)
        #expect(grants.count == 2)
        #expect(try fixture.store.grants(of: "x", as: fixture.owner).map(\.role) == ["viewer", "labeler"])
    }
}
