// swift-tools-version:6.0
import PackageDescription

/// Settings every target shares: imports are internal unless a file says `public import`, so a
/// dependency reaches the public API only on purpose, and existential types are spelled `any`.
let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "package-schema-migrations",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "schema", targets: ["schema"]),
        .library(name: "SchemaCore", targets: ["SchemaCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Already built for PostgresNIO; named because the TLS settings are made with it.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Pure pipeline: model, loading, validation, checksum, planning, SQL and Prisma rendering.
        // No database, HTTP or CLI.
        .target(
            name: "SchemaCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictness
        ),
        // The registry (queue, approvals, audit, applied snapshots) and the apply engine,
        // over SQLite (GRDB) and PostgreSQL (PostgresNIO).
        .target(
            name: "SchemaRegistry",
            dependencies: [
                "SchemaCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictness
        ),
        // The review server: JSON API and review page over the registry.
        .target(
            name: "SchemaAdmin",
            dependencies: [
                "SchemaCore",
                "SchemaRegistry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        // The commands as a library, so tests can run them in-process.
        .target(
            name: "SchemaCLI",
            dependencies: [
                "SchemaCore",
                "SchemaRegistry",
                "SchemaAdmin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictness
        ),
        .executableTarget(name: "schema", dependencies: ["SchemaCLI"], swiftSettings: strictness),
        // Benchmarks of the pure pipeline (Benchmarks/run.sh builds it in release mode).
        .executableTarget(name: "schema-bench", dependencies: ["SchemaCore", .product(name: "Yams", package: "Yams")], swiftSettings: strictness),
        .testTarget(name: "SchemaCoreTests", dependencies: ["SchemaCore", .product(name: "Yams", package: "Yams")], exclude: ["Fixtures"]),
        .testTarget(name: "SchemaRegistryTests", dependencies: ["SchemaRegistry", "SchemaCore"]),
        .testTarget(
            name: "SchemaAdminTests",
            dependencies: ["SchemaAdmin", "SchemaRegistry", "SchemaCore", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(name: "SchemaCLITests", dependencies: ["SchemaCLI", "SchemaCore", "SchemaRegistry"]),
    ]
)
