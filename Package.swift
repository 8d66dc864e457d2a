// swift-tools-version: 6.2

import PackageDescription

/// The library's layers, for the test targets that reach into them.
let layers: [Target.Dependency] = [
    "EventSpool", "EventSpoolHTTP", "EventSpoolModel", "EventSpoolPolicy", "EventSpoolS3", "EventSpoolStorage",
    "EventSpoolSystem", "EventSpoolWebhook",
]

let package = Package(
    name: "EventSpool",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EventSpool", targets: ["EventSpool"]),
        .library(name: "EventSpoolTesting", targets: ["EventSpoolTesting"]),
        .executable(name: "spoolctl", targets: ["spoolctl"]),
        .executable(name: "eventspool-demo", targets: ["eventspool-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // The default traits: JSON files (spoolctl --config).
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        // Only the `Instrumentation` product: inject the current `ServiceContext` into request headers.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // spoolctl only: the Prometheus text format for node_exporter's textfile collector (its one new
        // dependency, swift-atomics, is already built for swift-nio).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The layers, bottom up (docs/architecture.md): each target's dependencies are the arrows it may follow,
        // so a reference the wrong way does not build (`make build` checks imports against them).
        //
        // The model: events, their delivery records and answers, wall-clock time. Depends on nothing of ours.
        .target(
            name: "EventSpoolModel",
            dependencies: [
                .product(name: "SystemPackage", package: "swift-system")
            ]
        ),
        // System calls through swift-system: the syscall seam, the I/O threads, file exposure checks.
        .target(
            name: "EventSpoolSystem",
            dependencies: [
                .product(name: "SystemPackage", package: "swift-system")
            ]
        ),
        // A generic HTTP transport on libcurl's multi interface: any method, URL, headers and body; the whole
        // answer back. Knows nothing of events, CloudEvents or webhooks.
        .target(
            name: "EventSpoolHTTP",
            dependencies: ["CCurl", "EventSpoolModel"]
        ),
        // Pure policies, no I/O: how an answer is classified, when to retry, when to give up, the circuit breaker.
        .target(
            name: "EventSpoolPolicy",
            dependencies: ["EventSpoolModel"]
        ),
        // Storage: the Spool protocol, the object format and DirectorySpool. Never sees delivery.
        .target(
            name: "EventSpoolStorage",
            dependencies: [
                "EventSpoolModel",
                "EventSpoolSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                // SHA-256 names the ordering-key marks.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The webhook delivery on the transport: CloudEvents requests, Standard Webhooks signing, credentials and
        // their redaction, the broker configuration. Returns what a broker answered, unclassified.
        .target(
            name: "EventSpoolWebhook",
            dependencies: [
                "EventSpoolHTTP",
                "EventSpoolModel",
                "EventSpoolSystem",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ]
        ),
        // The S3 spool: a Spool on an S3-compatible bucket (conditional writes, a fenced sweeper lease), on an S3
        // client over the transport (reads with ETags, streaming listings, SigV4 signed by libcurl).
        .target(
            name: "EventSpoolS3",
            dependencies: [
                "EventSpoolHTTP",
                "EventSpoolModel",
                "EventSpoolStorage",
                "EventSpoolSystem",
                .product(name: "Logging", package: "swift-log"),
                // MD5 (Content-MD5, ETags) and SHA-256 (the signed payload hash).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The top: Publisher, Sweeper and the configuration readers; it re-exports what a service needs.
        .target(
            name: "EventSpool",
            dependencies: [
                "EventSpoolHTTP",
                "EventSpoolModel",
                "EventSpoolPolicy",
                "EventSpoolS3",
                "EventSpoolStorage",
                "EventSpoolSystem",
                "EventSpoolWebhook",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .target(
            name: "EventSpoolTesting",
            dependencies: [
                "EventSpool",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "spoolctl",
            dependencies: [
                "EventSpool",
                "EventSpoolSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "eventspool-demo",
            dependencies: [
                "EventSpool",
                "EventSpoolTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A publisher process for the reliability tests to kill and race (Tests/ReliabilityTests).
        .executableTarget(
            name: "eventspool-crashtest",
            dependencies: [
                "EventSpool",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `make bench`: EventSpool against bare baselines on the same sink and disk (docs/performance.md).
        .executableTarget(
            name: "eventspool-bench",
            dependencies: [
                "CCurl",
                "EventSpool",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What every test target shares (as swift-argument-parser's ArgumentParserTestHelpers): temporary
        // directories, the syscall fault seam, loggers, child-process runners, JSON helpers. Not a product.
        .target(
            name: "TestSupport",
            dependencies: [
                // The S3 servers the fixture starts are made ready (and a bucket made) with the client.
                "EventSpoolS3",
                "EventSpoolStorage",
                "EventSpoolSystem",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/TestSupport"
        ),
        // The tests reach each layer's internals with `@testable import` of that layer.
        .testTarget(
            name: "EventSpoolTests",
            dependencies: layers + [
                "EventSpoolTesting",
                "TestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "EventSpoolTestingTests",
            dependencies: [
                "EventSpool",
                "EventSpoolTesting",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SpoolctlTests",
            dependencies: [
                "EventSpool",
                "EventSpoolTesting",
                "TestSupport",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The S3 client against real SeaweedFS and moto servers, and against hostile fakes.
        .testTarget(
            name: "EventSpoolS3Tests",
            dependencies: [
                "EventSpoolHTTP",
                "EventSpoolModel",
                "EventSpoolS3",
                "EventSpoolStorage",
                "EventSpoolTesting",
                "TestSupport",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: layers + [
                "EventSpoolTesting",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    // CI builds with every warning an error (`make test` sets EVENTSPOOL_WERROR=1).
    if Context.environment["EVENTSPOOL_WERROR"] != nil {
        settings.append(.treatAllWarnings(as: .error))
    }
    target.swiftSettings = settings
}
