import Foundation
import FoundryTestSupport
import Testing

/// Where the validation script's tools are: the peers' venv (`$FOUNDRY_PEERS_VENV`, else `~/.foundry-peers`).
enum DeployValidator {
    static var venv: URL {
        if let explicit = ProcessInfo.processInfo.environment["FOUNDRY_PEERS_VENV"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".foundry-peers")
    }
    static var isInstalled: Bool {
        ["bin/kubernetes-validate", "bin/python"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent($0).path)
        }
    }
}

/// `scripts/validate-deploy.sh` on deploy/: the Kubernetes manifests against the bundled schemas (PyPI's
/// kubernetes-validate, offline) and the cross-field facts a schema cannot see. Skipped, saying so, when
/// kubernetes-validate is not in the peers' venv.
@Suite(
    .enabled(
        if: DeployValidator.isInstalled,
        "kubernetes-validate is not installed (~/.foundry-peers/bin/pip install kubernetes-validate, or set FOUNDRY_PEERS_VENV)"
    ))
struct DeployManifestTests {
    static let manifests = TestData.packageFile("deploy/kubernetes")

    /// Runs the validation script on `directory` (default: the shipped manifests).
    static func validate(_ directory: URL? = nil) throws -> FoundryCLI.Output {
        try FoundryCLI.run(
            [TestData.packageFile("scripts/validate-deploy.sh").path] + (directory.map { [$0.path] } ?? []),
            executable: URL(fileURLWithPath: "/bin/bash"),
            environment: ["FOUNDRY_PEERS_VENV": DeployValidator.venv.path])
    }

    /// A copy of the shipped manifests in a temporary directory, with `old` replaced by `new` in foundry-serve.yaml.
    static func brokenCopy(replacing old: String, with new: String) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory(prefix: "foundry-deploy")
        let names = try FileManager.default.contentsOfDirectory(atPath: manifests.path).filter { $0.hasSuffix(".yaml") }
        for name in names {
            var text = try String(contentsOf: manifests.appendingPathComponent(name), encoding: .utf8)
            if name == "foundry-serve.yaml" {
                #expect(text.contains(old), "foundry-serve.yaml no longer contains \(old)")
                text = text.replacingOccurrences(of: old, with: new)
            }
            try directory.write(name, text)
        }
        return directory
    }

    @Test func shippedManifestsValidate() throws {
        let output = try Self.validate()
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("ok: schemas"))
        #expect(output.standardOutput.contains("ok: cross-field checks"))
    }

    @Test func brokenReadinessProbePathFailsNamingTheProbe() throws {
        let copy = try Self.brokenCopy(replacing: "path: /ready", with: "path: /readyz")
        let output = try Self.validate(copy.url)
        #expect(output.status == 1)
        #expect(
            output.standardError.contains("readinessProbe path is /readyz; expected /ready"), "\(output.standardError)")
    }

    @Test func brokenLivenessProbePathFailsNamingTheProbe() throws {
        let copy = try Self.brokenCopy(
            replacing: "livenessProbe:\n            httpGet:\n              path: /health",
            with: "livenessProbe:\n            httpGet:\n              path: /healthz")
        let output = try Self.validate(copy.url)
        #expect(output.status == 1)
        #expect(
            output.standardError.contains("livenessProbe path is /healthz; expected /health"), "\(output.standardError)"
        )
        #expect(!output.standardError.contains("startupProbe"), "only the liveness probe was broken")
    }

    @Test func gracePeriodNotAboveTheDrainFails() throws {
        let copy = try Self.brokenCopy(
            replacing: "terminationGracePeriodSeconds: 30", with: "terminationGracePeriodSeconds: 20")
        let output = try Self.validate(copy.url)
        #expect(output.status == 1)
        #expect(
            output.standardError.contains(
                "terminationGracePeriodSeconds 20 must exceed the server's --drain-seconds 20"),
            "\(output.standardError)")
    }

    @Test func serviceTargetPortOtherThanTheServersFails() throws {
        let copy = try Self.brokenCopy(replacing: "targetPort: http", with: "targetPort: 9090")
        let output = try Self.validate(copy.url)
        #expect(output.status == 1)
        #expect(
            output.standardError.contains("targetPort 9090 is not the server's port 8080"), "\(output.standardError)")
    }

    @Test func schemaErrorsFailBeforeTheCrossFieldChecks() throws {
        let copy = try Self.brokenCopy(replacing: "readinessProbe:", with: "readinessProbes:")
        let output = try Self.validate(copy.url)
        #expect(output.status == 1)
        #expect(output.standardError.contains("'readinessProbes' was unexpected"), "\(output.standardError)")
        #expect(!output.standardOutput.contains("ok: cross-field checks"))
    }
}
