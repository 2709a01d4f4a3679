// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Meghna",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "meghna", targets: ["meghna"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
    ],
    targets: [
        .target(
            name: "MeghnaCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Documents",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Jobs",
            dependencies: [
                "MeghnaCore",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Platform",
            dependencies: [
                "MeghnaCore",
                "Jobs",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/common-passwords.txt")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Notifications",
            dependencies: [
                "MeghnaCore",
                "Jobs",
                "Platform",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CRM",
            dependencies: [
                "MeghnaCore",
                "Documents",
                "Jobs",
                "Platform",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "MeghnaCore",
                "Platform",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Billing",
            dependencies: [
                "MeghnaCore",
                "Documents",
                "Jobs",
                "Platform",
                "CRM",
                "Ledger",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Receivables",
            dependencies: [
                "MeghnaCore",
                "Documents",
                "Platform",
                "Notifications",
                "CRM",
                "Ledger",
                "Billing",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RouterOS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RouterOSSim",
            dependencies: [
                "RouterOS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Not "Network": Apple's framework has that name, and packages test `canImport(Network)`
        // (swift-nio-transport-services compiles its Darwin code when a module of that name exists).
        .target(
            name: "MeghnaNetwork",
            dependencies: [
                "MeghnaCore",
                "Jobs",
                "Platform",
                "CRM",
                "Billing",
                "RouterOS",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Network",
            swiftSettings: swiftSettings
        ),
        .target(name: "CSQLiteSupport"),
        .target(
            name: "Web",
            dependencies: [
                "CSQLiteSupport",
                "MeghnaCore",
                "Documents",
                "Jobs",
                "Platform",
                "CRM",
                "Ledger",
                "Billing",
                "Receivables",
                "Notifications",
                "MeghnaNetwork",
                "RouterOS",
                "RouterOSSim",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "meghna",
            dependencies: ["Web", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Web",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MeghnaCoreTests", dependencies: ["MeghnaCore"], swiftSettings: swiftSettings),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents"], swiftSettings: swiftSettings),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CRMTests", dependencies: ["CRM", "Notifications", "TestSupport", .product(name: "SQLKit", package: "sql-kit")], swiftSettings: swiftSettings),
        .testTarget(name: "BillingTests", dependencies: ["Billing", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReceivablesTests", dependencies: ["Receivables", "Billing", "Notifications", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "NotificationsTests", dependencies: ["Notifications", "TestSupport"], exclude: ["Peers"], swiftSettings: swiftSettings),
        .testTarget(name: "RouterOSTests", dependencies: ["RouterOS"], swiftSettings: swiftSettings),
        .testTarget(name: "RouterOSSimTests", dependencies: ["RouterOS", "RouterOSSim"], swiftSettings: swiftSettings),
        .testTarget(name: "NetworkTests", dependencies: ["MeghnaNetwork", "Billing", "CRM", "Jobs", "RouterOS", "RouterOSSim", "TestSupport", .product(name: "NIOCore", package: "swift-nio"),
                                                    .product(name: "NIOPosix", package: "swift-nio")], swiftSettings: swiftSettings),
        .testTarget(name: "WebTests", dependencies: ["Web", "CRM", "MeghnaNetwork", "RouterOS", "RouterOSSim", "TestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")], exclude: ["Fixtures"], swiftSettings: swiftSettings),
    ]
)
