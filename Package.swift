// swift-tools-version:6.1
// Lightning: a daemon that hosts an event-driven system of agents, providers and drivers.
//
// Layout (see docs/architecture.md):
//   PluginSDK/  the C ABI header (CLightningABI), the wire types shared by every side
//               (LightningProtocol), the Swift SDK for plugin authors (LightningPluginKit)
//   Host/       the daemon library (HostCore), its C shims, and the `lightning` binary
//   Plugins/    every plugin we ship, each a `.dynamic` library product
//   Examples/   a driver written in plain C against the header alone
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// Child processes (agents, functions, the test child) are linked with the Swift runtime and
// Foundation built in for release builds: a dynamically linked Swift child spends most of its
// start-up mapping and relocating libswiftCore, Foundation and ICU (spawn → ready 6-7 ms against
// about 3 ms static, docs/benchmarks.md). Debug builds (tests, sanitizers) link dynamically, which
// links faster. Child authors get the same with `swift build -c release --static-swift-stdlib`
// (docs/protocol.md).
let staticChild: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release)),
]
let staticChildSwift: [SwiftSetting] = strict + [
    .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "lightning",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lightning", targets: ["lightning"]),
        .library(name: "HostCore", targets: ["HostCore"]),
        // What a plugin or child author depends on (docs/plugin-abi.md#the-sdk-as-a-dependency):
        // the wire types, the plugin SDK, the child SDK, and the conformance kit.
        .library(name: "LightningProtocol", targets: ["LightningProtocol"]),
        .library(name: "LightningPluginKit", targets: ["LightningPluginKit"]),
        .library(name: "LightningChildKit", targets: ["LightningChildKit"]),
        .library(name: "LightningConformance", targets: ["LightningConformance"]),
        // Example children (agents, functions) and the misbehaving children the tests use.
        .executable(name: "example-agent", targets: ["example-agent"]),
        .executable(name: "example-function", targets: ["example-function"]),
        .executable(name: "lt-test-child", targets: ["lt-test-child"]),
        // The benchmark suite (docs/benchmarks.md).
        .executable(name: "lightning-bench", targets: ["lightning-bench"]),
        // Shipped plugins: shared libraries the daemon dlopens, described by manifests/*.json.
        .library(name: "LightningSQLiteStorage", type: .dynamic, targets: ["SQLiteStoragePlugin"]),
        .library(name: "LightningLocalEventBus", type: .dynamic, targets: ["LocalEventBusPlugin"]),
        .library(name: "LightningRedisEventBus", type: .dynamic, targets: ["RedisEventBusPlugin"]),
        .library(name: "LightningEchoDriver", type: .dynamic, targets: ["EchoDriverPlugin"]),
        // Cloud providers (docs/configuration.md#azure-mode-and-its-credentials) and the local
        // container runtime (docs/containers.md).
        .library(name: "LightningCosmosStorage", type: .dynamic, targets: ["CosmosStoragePlugin"]),
        // Shared storage for self-hosted clusters (docs/postgres-storage.md).
        .library(name: "LightningPostgresStorage", type: .dynamic, targets: ["PostgresStoragePlugin"]),
        .library(name: "LightningServiceBusEventBus", type: .dynamic, targets: ["ServiceBusEventBusPlugin"]),
        .library(name: "LightningAzureFunctions", type: .dynamic, targets: ["AzureFunctionsPlugin"]),
        .library(name: "LightningACIContainers", type: .dynamic, targets: ["ACIContainersPlugin"]),
        .library(name: "LightningDockerContainers", type: .dynamic, targets: ["DockerContainersPlugin"]),
        .library(name: "LightningCExampleDriver", type: .dynamic, targets: ["CExampleDriver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        // The HTTP pipeline of the daemon's listeners (Host/Core/FrontDoor): hummingbird's own dependencies.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        // Only the PostgreSQL storage plugin links it (docs/postgres-storage.md).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The CLI's client, generated from Host/API/openapi.json (Host/APIClient, committed sources).
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        // The daemon's side of the same document (Host/APIServer) served by Hummingbird's router.
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
    ],
    targets: [
        // MARK: Application layer (docs/planner.md): pure, on the protocol types only.
        .target(name: "LightningPlanner", dependencies: ["LightningProtocol"], path: "Host/App/Planner", swiftSettings: strict),
        .testTarget(name: "PlannerTests", dependencies: ["LightningPlanner", "LightningProtocol", "LightningTestSupport"],
                    path: "Tests/PlannerTests", swiftSettings: strict),
        // The Context Hub's deciding logic (docs/context-hub.md): names, access, diffs, versions.
        .target(name: "LightningContext", dependencies: ["LightningProtocol"], path: "Host/App/Context", swiftSettings: strict),
        .testTarget(name: "ContextTests", dependencies: ["LightningContext", "LightningProtocol"], path: "Tests/ContextTests", swiftSettings: strict),

        // MARK: The REST API's description (docs/api.md), embedded by the EmbedFiles plugin.
        .target(name: "LightningAPISpec", path: "Host/API", swiftSettings: strict, plugins: [.plugin(name: "EmbedFiles")]),
        // Embeds a target's non-Swift files in the binary (Host/BuildPlugins).
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["lt-embed"], path: "Host/BuildPlugins/EmbedFiles"),
        .executableTarget(name: "lt-embed", path: "Host/BuildPlugins/lt-embed"),
        // The web console (docs/console.md): its HTML, CSS and JavaScript, embedded the same way.
        .target(name: "LightningConsole", path: "Host/Console", swiftSettings: strict, plugins: [.plugin(name: "EmbedFiles")]),

        // The generated client of the REST API (types + `APIProtocol` client) the CLI calls: produced by
        // `.ci/openapi-generate.sh` with swift-openapi-generator's command and committed (no build
        // plugin: a clean build does not build the generator); `--check` in CI keeps it in step.
        .target(name: "LightningAPIClient",
                dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
                path: "Host/APIClient", exclude: ["openapi-generator-config.yaml"], swiftSettings: strict),
        // The daemon's request and response types and route registration, generated from the same
        // document the same way (types + server, for the operations its config lists);
        // HostCore's `TypedAPI` implements them (Host/Core/API/Typed).
        .target(name: "LightningAPIServer",
                dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
                path: "Host/APIServer", exclude: ["openapi-generator-config.yaml"], swiftSettings: strict),

        // MARK: PluginSDK
        .target(name: "CLightningABI", path: "PluginSDK/CLightningABI"),
        .target(name: "LightningProtocol", path: "PluginSDK/Protocol", swiftSettings: strict),
        .target(
            name: "LightningPluginKit",
            dependencies: ["CLightningABI", "LightningProtocol"],
            path: "PluginSDK/PluginKit",
            swiftSettings: strict
        ),

        .target(
            name: "LightningChildKit",
            dependencies: ["LightningProtocol"],
            path: "PluginSDK/ChildKit",
            swiftSettings: strict
        ),

        // MARK: Host
        // The sandbox launcher: everything between fork and exec of a sandboxed child (docs/sandbox.md).
        .target(name: "CSandbox", path: "Host/CSandbox"),
        .target(name: "CHostShims", dependencies: ["CSandbox"], path: "Host/CShims"),
        .target(
            name: "HostCore",
            dependencies: [
                "CLightningABI", "CHostShims", "CSandbox", "LightningProtocol", "LightningPlanner", "LightningAPISpec", "LightningConsole", "LightningContext", "CSQLite",
                "LightningAPIServer",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Host/Core",
            swiftSettings: strict
        ),
        // The provider contracts as rules (docs/plugin-abi.md#storage, #eventbus, #driver), run by
        // ConformanceTests against the shipped providers and by `lightning plugins test` against any.
        .target(
            name: "LightningConformance",
            dependencies: ["HostCore", "LightningProtocol", .product(name: "Logging", package: "swift-log")],
            path: "Host/Conformance",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lightning",
            dependencies: [
                "HostCore", "LightningProtocol", "LightningPlanner", "LightningChildKit", "LightningConformance", "LightningAPIClient",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Host/CLI",
            swiftSettings: strict
        ),

        // MARK: Plugins
        .systemLibrary(name: "CSQLite", path: "Plugins/Shared/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "SQLiteSupport",
            dependencies: ["CSQLite"],
            path: "Plugins/Shared/SQLiteSupport",
            swiftSettings: strict
        ),
        // What both storage providers share: the contract's naming rules, error wording and
        // continuation tokens.
        .target(name: "StorageSupport", dependencies: ["LightningProtocol"], path: "Plugins/Shared/StorageSupport", swiftSettings: strict),
        // What both event buses share (long-poll waiters).
        .target(name: "BusSupport", dependencies: ["LightningProtocol"], path: "Plugins/Shared/BusSupport", swiftSettings: strict),
        .target(
            name: "SQLiteStoragePlugin",
            dependencies: ["LightningPluginKit", "LightningProtocol", "SQLiteSupport", "StorageSupport"],
            path: "Plugins/SQLiteStorage",
            swiftSettings: strict
        ),
        .target(
            name: "LocalEventBusPlugin",
            dependencies: ["LightningPluginKit", "LightningProtocol", "SQLiteSupport", "BusSupport"],
            path: "Plugins/LocalEventBus",
            swiftSettings: strict
        ),
        .target(
            name: "RedisEventBusPlugin",
            dependencies: ["LightningPluginKit", "LightningProtocol", "BusSupport"],
            path: "Plugins/RedisEventBus",
            swiftSettings: strict
        ),
        // What the Azure plugins share: connection strings, secrets, the URLSession client with
        // Azure's throttling rule, and the request signers (Cosmos master key, Service Bus SAS, AAD tokens).
        .target(
            name: "AzureSupport",
            dependencies: ["LightningProtocol", .product(name: "Crypto", package: "swift-crypto")],
            path: "Plugins/Shared/AzureSupport",
            swiftSettings: strict
        ),
        .target(name: "CosmosStoragePlugin", dependencies: ["LightningPluginKit", "LightningProtocol", "AzureSupport", "StorageSupport"],
                path: "Plugins/CosmosStorage", swiftSettings: strict),
        .target(name: "PostgresStoragePlugin",
                dependencies: ["LightningPluginKit", "LightningProtocol", "StorageSupport",
                               .product(name: "PostgresNIO", package: "postgres-nio"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Plugins/PostgresStorage", swiftSettings: strict),
        .target(name: "ServiceBusEventBusPlugin", dependencies: ["LightningPluginKit", "LightningProtocol", "AzureSupport", "BusSupport"],
                path: "Plugins/ServiceBusEventBus", swiftSettings: strict),
        .target(name: "AzureFunctionsPlugin", dependencies: ["LightningPluginKit", "LightningProtocol", "AzureSupport"],
                path: "Plugins/AzureFunctions", swiftSettings: strict),
        .target(name: "ACIContainersPlugin", dependencies: ["LightningPluginKit", "LightningProtocol", "AzureSupport"],
                path: "Plugins/ACIContainers", swiftSettings: strict),
        .target(name: "DockerContainersPlugin", dependencies: ["LightningPluginKit", "LightningProtocol", "DockerEngine"],
                path: "Plugins/DockerContainers", exclude: ["Engine"], swiftSettings: strict),
        // The Docker plugin's HTTP/1.1-over-unix-socket client and log-frame decoder (unit-tested in CloudTests).
        .target(name: "DockerEngine", path: "Plugins/DockerContainers/Engine", swiftSettings: strict),
        .target(
            name: "EchoDriverPlugin",
            dependencies: ["LightningPluginKit", "LightningProtocol"],
            path: "Plugins/EchoDriver",
            swiftSettings: strict
        ),
        .target(name: "CExampleDriver", dependencies: ["CLightningABI"], path: "Examples/CDriver"),

        .executableTarget(name: "example-agent", dependencies: ["LightningChildKit", "LightningProtocol"], path: "Examples/SwiftAgent", swiftSettings: staticChildSwift, linkerSettings: staticChild),
        .executableTarget(name: "example-function", dependencies: ["LightningChildKit", "LightningProtocol"], path: "Examples/SwiftFunction", swiftSettings: staticChildSwift, linkerSettings: staticChild),
        .target(name: "CTestChild", path: "Tests/Children/CTestChild"),
        .executableTarget(name: "lt-test-child", dependencies: ["LightningChildKit", "LightningProtocol", "CTestChild"], path: "Tests/Children/TestChild", swiftSettings: staticChildSwift, linkerSettings: staticChild),

        .executableTarget(
            name: "lightning-bench",
            dependencies: [
                "HostCore", "LightningProtocol", "CLightningABI", "LightningContext",
                // The generated types, to price the generated layer's decoding of a publish body.
                "LightningAPIClient",
                // The hostile-input battery (Tests/Support/HostileBattery.swift), shared with its test.
                "LightningTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Sources",
            swiftSettings: strict
        ),

        // The HTTP floor of the `events` benchmark: a bare Hummingbird server.
        .executableTarget(
            name: "lt-http-floor",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HTTPFloor",
            swiftSettings: strict
        ),

        // MARK: Tests
        // What every test target shares: where the products are, running a process.
        .target(name: "LightningTestSupport", path: "Tests/Support", swiftSettings: strict),
        .testTarget(
            name: "HostCoreTests",
            dependencies: ["HostCore", "LightningProtocol"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ABITests",
            dependencies: ["HostCore", "LightningProtocol", "LightningTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["LightningTestSupport", "HostCore", "LightningProtocol", "LightningConformance"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ChildKitTests",
            dependencies: ["LightningTestSupport", "LightningChildKit", "LightningProtocol"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["LightningTestSupport", "HostCore", "LightningProtocol", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The cloud plugins against loopback fakes (Tests/Fakes/*.py) and the Docker plugin against podman.
        .testTarget(
            name: "CloudTests",
            dependencies: ["LightningTestSupport", "HostCore", "LightningProtocol", "LightningContext", "AzureSupport", "DockerEngine",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["LightningTestSupport", "HostCore", "LightningProtocol"],
            swiftSettings: strict
        ),
    ]
)
