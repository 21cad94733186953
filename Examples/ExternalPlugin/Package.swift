// swift-tools-version:6.1
// A plugin written outside the Lightning repository, as a third-party author writes one: it
// depends on Lightning as a package and uses only its public products (docs/plugin-abi.md#the-sdk-as-a-dependency).
// CI builds and tests it (.ci/run) so that the SDK's products and this page cannot rot.
import PackageDescription

let package = Package(
    name: "greeter-driver",
    platforms: [.macOS(.v15)],
    products: [
        // The library the daemon dlopens: .build/debug/libGreeterDriver.so
        .library(name: "GreeterDriver", type: .dynamic, targets: ["GreeterDriver"]),
    ],
    dependencies: [
        // Inside a checkout of Lightning (this example): the repository by path.
        // Elsewhere: .package(url: "<URL of the Lightning repository>", from: "0.1.0")
        .package(name: "lightning", path: "../.."),
    ],
    targets: [
        .target(
            name: "GreeterDriver",
            dependencies: [
                .product(name: "LightningPluginKit", package: "lightning"),
                .product(name: "LightningProtocol", package: "lightning"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(
            name: "GreeterDriverTests",
            dependencies: [
                "GreeterDriver",
                .product(name: "LightningPluginKit", package: "lightning"),
                .product(name: "LightningProtocol", package: "lightning"),
            ]
        ),
    ]
)
