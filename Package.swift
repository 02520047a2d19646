// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "lvsctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lvsctl", targets: ["lvsctl"]),
        .library(name: "LVSModel", targets: ["LVSModel"]),
        .library(name: "LVSConfig", targets: ["LVSConfig"]),
        .library(name: "LVSPlan", targets: ["LVSPlan"]),
        .library(name: "LVSHost", targets: ["LVSHost"]),
        .library(name: "LVSJSON", targets: ["LVSJSON"]),
        .library(name: "IPVSKernel", targets: ["IPVSKernel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-genl-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .target(name: "LVSModel", swiftSettings: strict),
        .target(name: "LVSConfig", dependencies: ["LVSModel", "CYAML"], swiftSettings: strict),
        .target(name: "LVSPlan", dependencies: ["LVSModel"], swiftSettings: strict),
        .target(name: "LVSHost", dependencies: ["LVSModel", "CNetlink"], swiftSettings: strict),
        .target(name: "LVSJSON", dependencies: ["LVSModel", "LVSConfig", "LVSPlan"], swiftSettings: strict),
        .target(name: "IPVSKernel", dependencies: ["LVSModel", "CNetlink"], swiftSettings: strict),
        .executableTarget(name: "lvsctl",
                          dependencies: ["LVSModel", "LVSConfig", "LVSPlan", "LVSHost", "LVSJSON", "IPVSKernel", "CMalloc",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),
        .executableTarget(name: "lvsctl-bench", dependencies: ["IPVSKernel", "CMalloc"], swiftSettings: strict),
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "LVSModelTests", dependencies: ["LVSModel"], swiftSettings: strict),
        .testTarget(name: "LVSConfigTests", dependencies: ["LVSConfig", "LVSModel", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LVSPlanTests", dependencies: ["LVSPlan", "LVSModel", "LVSConfig", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LVSHostTests", dependencies: ["LVSHost", "LVSModel"], swiftSettings: strict),
        .testTarget(name: "LVSJSONTests", dependencies: ["LVSJSON", "LVSPlan", "LVSConfig", "LVSModel"], swiftSettings: strict),
        // Expected/: ipvsadm tables the kernel tests read by path, not resources.
        .testTarget(name: "LVSCtlTests", dependencies: ["lvsctl"], exclude: ["Expected"], swiftSettings: strict),
        .testTarget(name: "IPVSKernelTests", dependencies: ["IPVSKernel", "LVSModel", "LVSConfig", "CNetlink"],
                    swiftSettings: strict),
    ]
)
