// swift-tools-version: 6.0
// Foundry: engineer foundation models the way you engineer software.
// Module map and dependency rules: docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "Foundry",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "FoundryCore", targets: ["FoundryCore"]),
        .library(name: "Tabular", targets: ["Tabular"]),
        .library(name: "Labeling", targets: ["Labeling"]),
        .library(name: "LabelModels", targets: ["LabelModels"]),
        .library(name: "Cleaning", targets: ["Cleaning"]),
        .library(name: "DatasetStore", targets: ["DatasetStore"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Adapters", targets: ["Adapters"]),
        .library(name: "Flows", targets: ["Flows"]),
        .library(name: "Merging", targets: ["Merging"]),
        .library(name: "ModelRepository", targets: ["ModelRepository"]),
        .library(name: "Serving", targets: ["Serving"]),
        .library(name: "ServingHTTP", targets: ["ServingHTTP"]),
        .library(name: "Pipelines", targets: ["Pipelines"]),
        .executable(name: "foundry", targets: ["foundry"]),
        .executable(name: "spam-labeling", targets: ["spam-labeling"]),
        .executable(name: "spam-adapter", targets: ["spam-adapter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // CPUID and dladdr for the BLAS seam. No BLAS is linked: FoundryCore opens one at run time (BLASLibrary).
        .target(name: "CPlatform", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(
            name: "FoundryCore",
            dependencies: ["CPlatform", .product(name: "Crypto", package: "swift-crypto")]),
        // Tabular reads YAML specs from libyaml's event stream: the `CYaml` module that the Yams product builds.
        .target(name: "Tabular", dependencies: ["FoundryCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "Labeling", dependencies: ["Tabular", "FoundryCore"]),
        .target(name: "LabelModels", dependencies: ["Labeling", "FoundryCore"]),
        .target(name: "Cleaning", dependencies: ["Tabular", "FoundryCore"]),
        .target(
            name: "DatasetStore",
            dependencies: [
                "Labeling", "Tabular", "FoundryCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "Tensors", dependencies: ["FoundryCore"]),
        .target(name: "Adapters", dependencies: ["Tensors", "FoundryCore"]),
        .target(name: "Merging", dependencies: ["Adapters", "Tensors", "FoundryCore"]),
        .target(
            name: "ModelRepository",
            dependencies: [
                "FoundryCore", "Tabular", "Tensors", "Adapters", "Merging",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The serving engine, adapter tiers, scheduler and metrics: no network code, testable without a server.
        .target(
            name: "Serving",
            dependencies: ["FoundryCore", "Adapters", "Merging", "ModelRepository"]),
        // The HTTP API on Hummingbird 2, with the store's principals as bearer tokens.
        .target(
            name: "ServingHTTP",
            dependencies: [
                "Serving", "DatasetStore", "FoundryCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "Flows",
            dependencies: [
                "FoundryCore", "Tabular", "Labeling", "LabelModels", "DatasetStore", "Tensors", "Adapters", "Merging",
            ]),
        // Declarative pipelines: one spec from a raw corpus to a served adapter, synthesis, selection, run reports.
        .target(
            name: "Pipelines",
            dependencies: [
                "FoundryCore", "Tabular", "Labeling", "LabelModels", "Cleaning", "DatasetStore", "Tensors", "Adapters",
                "Merging", "ModelRepository", "Serving", "Flows",
            ]),
        .executableTarget(
            name: "foundry",
            dependencies: [
                "FoundryCore", "Tabular", "Labeling", "LabelModels", "Cleaning", "DatasetStore", "Adapters", "Flows",
                "Merging", "ModelRepository", "Tensors", "Serving", "ServingHTTP", "Pipelines",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "spam-labeling", dependencies: ["Tabular", "Labeling", "LabelModels", "FoundryCore"],
            path: "Examples/spam-labeling"),
        .executableTarget(
            name: "spam-adapter", dependencies: ["Adapters", "LabelModels", "Flows"],
            path: "Examples/spam-adapter"),
        .target(
            name: "FoundryTestSupport", dependencies: ["FoundryCore", "Tabular", "Labeling"],
            path: "Tests/FoundryTestSupport"),
        .testTarget(name: "FoundryCoreTests", dependencies: ["FoundryCore", "FoundryTestSupport"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "FoundryTestSupport"]),
        .testTarget(name: "LabelingTests", dependencies: ["Labeling", "Tabular", "FoundryTestSupport"]),
        .testTarget(
            name: "LabelModelsTests", dependencies: ["LabelModels", "Labeling", "Tabular", "FoundryTestSupport"]),
        .testTarget(name: "CleaningTests", dependencies: ["Cleaning", "Tabular", "FoundryTestSupport"]),
        .testTarget(
            name: "DatasetStoreTests",
            dependencies: [
                "DatasetStore", "Tabular", "FoundryTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "FoundryTestSupport"]),
        .testTarget(name: "AdaptersTests", dependencies: ["Adapters", "Tensors", "FoundryTestSupport"]),
        .testTarget(
            name: "MergingTests", dependencies: ["Merging", "Adapters", "Tensors", "FoundryCore", "FoundryTestSupport"]),
        .testTarget(
            name: "ModelRepositoryTests",
            dependencies: ["ModelRepository", "Merging", "Tensors", "FoundryCore", "FoundryTestSupport"]),
        .testTarget(
            name: "ServingTests",
            dependencies: ["Serving", "Adapters", "Tensors", "FoundryCore", "ModelRepository", "FoundryTestSupport"]),
        .testTarget(
            name: "ServingHTTPTests",
            dependencies: ["ServingHTTP", "Serving", "DatasetStore", "Adapters", "Tensors", "FoundryTestSupport"]),
        .testTarget(
            name: "PipelinesTests",
            dependencies: [
                "Pipelines", "Labeling", "LabelModels", "Cleaning", "Tabular", "Adapters", "Tensors", "FoundryCore",
                "FoundryTestSupport",
            ],
            exclude: ["ExecutionFixtures"]),
        .testTarget(name: "FoundryCLITests", dependencies: ["FoundryTestSupport", "Labeling", "FoundryCore"]),
        .testTarget(name: "ArchitectureTests"),
    ],
    swiftLanguageModes: [.v6]
)
