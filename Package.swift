// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "droprun",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "droprun", targets: ["droprun"]),
        .library(name: "DroprunKit", targets: ["DroprunKit"]),
    ],
    targets: [
        .target(name: "DroprunKit"),
        .executableTarget(name: "droprun", dependencies: ["DroprunKit"]),
        .executableTarget(name: "droprun-bench", dependencies: ["DroprunKit"], path: "Benchmarks"),
        .target(name: "DroprunTestSupport", dependencies: ["DroprunKit"]),
        .testTarget(
            name: "DroprunKitTests",
            dependencies: ["DroprunKit", "DroprunTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
