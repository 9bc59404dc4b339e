// swift-tools-version:6.0
import PackageDescription

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
    ],
    targets: [
        // Pure pipeline: model, loading, validation, checksum, Prisma. No database, HTTP or CLI.
        .target(
            name: "SchemaCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The commands as a library, so tests can run them in-process.
        .target(
            name: "SchemaCLI",
            dependencies: [
                "SchemaCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "schema", dependencies: ["SchemaCLI"]),
        .testTarget(name: "SchemaCoreTests", dependencies: ["SchemaCore"], exclude: ["Fixtures"]),
        .testTarget(name: "SchemaCLITests", dependencies: ["SchemaCLI", "SchemaCore"]),
    ]
)
