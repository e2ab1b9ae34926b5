// swift-tools-version: 6.1
import PackageDescription

let common: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Release builds optimize across modules: every stage calls Item's accessors, the JSON
    // writer and DatasetCore's generic helpers from other modules, where without this they stay
    // calls to unspecialized code (a million candidates: 77 s cold against 81-90 s). The flag
    // keeps this package from being a version-pinned dependency of another; it is built as a tool.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "build-dataset",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "build-dataset", targets: ["build-dataset"]),
        .library(name: "BuildDatasetKit", targets: ["Commands", "Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),  // LogHandler.log(event:)
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The review page's load benchmark and the browser tests' WebDriver calls: Foundation's
        // URLSession on Linux rejects chromedriver's headers (no space after the colon), and its
        // connection pool is not configurable. Already a dependency of HummingbirdTesting.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        // NIOCore and NIOHTTP1 are imported by the load benchmark and the tests that speak HTTP;
        // already a dependency of Hummingbird and AsyncHTTPClient.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Gzip-compressed corpus shards, streamed through the system's zlib.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // System libraries: each is imported by exactly one module.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "CSystemShims"),
        .target(name: "CMinHash"),

        .target(
            name: "DatasetCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                "CSystemShims", "SchemaValidation",
            ],
            swiftSettings: common
        ),
        .target(name: "Statistics", swiftSettings: common),
        .target(name: "SchemaValidation", swiftSettings: common),
        .target(name: "XMLReader", dependencies: ["CLibXML2"], swiftSettings: common),
        // GRDB links the system libsqlite3.
        .target(name: "ReviewStore", dependencies: ["DatasetCore", "Statistics", "SchemaValidation", .product(name: "GRDB", package: "GRDB.swift"),
                                                    .product(name: "GRDBSQLite", package: "GRDB.swift")],
                swiftSettings: common),
        .target(name: "SurveyIngest", dependencies: ["DatasetCore", "Statistics", "SchemaValidation"], swiftSettings: common),
        .target(name: "TextbookIngest", dependencies: ["DatasetCore", "XMLReader", "SchemaValidation"], swiftSettings: common),
        .target(name: "Validation", dependencies: ["DatasetCore"], swiftSettings: common),
        .target(name: "Dedup", dependencies: ["DatasetCore", "SchemaValidation", "CMinHash"], swiftSettings: common),
        .target(
            name: "CorpusScan",
            dependencies: [
                "DatasetCore", "Dedup", .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: common
        ),
        .target(name: "Sampling", dependencies: ["DatasetCore", "Statistics", "SchemaValidation"], swiftSettings: common),
        .target(name: "Release", dependencies: ["DatasetCore", "Dedup", "SchemaValidation", "Statistics"], swiftSettings: common),
        .target(name: "Pilot", dependencies: ["DatasetCore", "Release", "SchemaValidation", "Statistics"], swiftSettings: common),
        .target(
            name: "Pipeline",
            dependencies: [
                "DatasetCore", "Statistics", "SurveyIngest", "TextbookIngest", "Validation", "Dedup", "Sampling",
                "ReviewStore", "Release", "Pilot",
            ],
            swiftSettings: common
        ),
        .target(
            name: "ReviewServer",
            dependencies: [
                "DatasetCore", "ReviewStore", "Statistics",
                .product(name: "Hummingbird", package: "hummingbird"),
                // The connection limit and idle timeout are HummingbirdCore's and NIO's types.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: common
        ),
        .target(
            name: "Commands",
            dependencies: [
                "CorpusScan", "DatasetCore", "Dedup", "Pilot", "Pipeline", "Release", "ReviewServer", "ReviewStore", "Sampling", "Statistics", "SurveyIngest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: common
        ),
        .executableTarget(name: "build-dataset", dependencies: ["Commands"], swiftSettings: common),
        .target(name: "BenchmarkSupport", dependencies: ["CSystemShims", "DatasetCore"], swiftSettings: common),
        .executableTarget(name: "contamination-benchmark", dependencies: ["BenchmarkSupport", "DatasetCore", "Dedup", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: common),
        .executableTarget(name: "xml-benchmark", dependencies: ["BenchmarkSupport", "DatasetCore", "TextbookIngest", "XMLReader", .product(name: "Crypto", package: "swift-crypto"),
                                                    .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: common),
        .executableTarget(name: "review-benchmark", dependencies: [
            "BenchmarkSupport", "DatasetCore", "ReviewServer", "ReviewStore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: common),
        .executableTarget(name: "pipeline-benchmark", dependencies: ["BenchmarkSupport", "DatasetCore", "ReviewStore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          exclude: ["curator.py"],
                          swiftSettings: common),
        .target(name: "FuzzTargets", dependencies: ["DatasetCore", "Pilot", "Pipeline", "ReviewStore", "SchemaValidation", "SurveyIngest", "TextbookIngest"],
                swiftSettings: common),
        .executableTarget(name: "fuzz-readers", dependencies: ["FuzzTargets"], swiftSettings: common),
        .executableTarget(name: "dedup-benchmark", dependencies: ["BenchmarkSupport", "DatasetCore", "Dedup", .product(name: "ArgumentParser", package: "swift-argument-parser")], exclude: ["datasketch_side.py"],
                          swiftSettings: common),

        .testTarget(name: "DatasetCoreTests", dependencies: ["DatasetCore", "SchemaValidation"]),
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SchemaValidationTests", dependencies: ["SchemaValidation"], resources: [.copy("Fixtures")]),
        .testTarget(name: "XMLReaderTests", dependencies: ["XMLReader", "CLibXML2"]),
        // Tests that edit the database by hand, as someone tampering with it would, open it with GRDB.
        .testTarget(name: "ReviewStoreTests", dependencies: ["DatasetCore", "ReviewStore", .product(name: "GRDB", package: "GRDB.swift")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ReviewServerTests", dependencies: [
            "DatasetCore", "Release", "ReviewServer", "ReviewStore", "Statistics", .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Screenshots"]),
        .testTarget(name: "SurveyIngestTests", dependencies: ["DatasetCore", "SurveyIngest"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TextbookIngestTests", dependencies: ["DatasetCore", "TextbookIngest"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ValidationTests", dependencies: ["DatasetCore", "Validation"]),
        .testTarget(name: "DedupTests", dependencies: ["DatasetCore", "Dedup"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CorpusScanTests", dependencies: [
            "CorpusScan", "DatasetCore", "Dedup", .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "SamplingTests", dependencies: ["DatasetCore", "Sampling", "SchemaValidation"]),
        .testTarget(name: "ReleaseTests", dependencies: ["DatasetCore", "Release"], exclude: ["Screenshots"]),
        .testTarget(name: "PilotTests", dependencies: ["DatasetCore", "Pilot", "Statistics"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "PipelineTests", dependencies: ["DatasetCore", "Dedup", "Pipeline", "ReviewStore", "Release", "Sampling", "TestSupport", "TextbookIngest"]),
        .testTarget(name: "CommandsTests", dependencies: [
            "BenchmarkSupport", "Commands", "DatasetCore", "Pipeline", "ReviewStore", "TestSupport", "build-dataset",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "TestSupport", dependencies: ["DatasetCore"], path: "Tests/TestSupport", swiftSettings: common),
    ]
)
