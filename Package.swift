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
        // Tests that run the built `droprun` as a child process (BuiltBinary): `swift build --build-tests` and
        // `swift test` build every target, the executable included, before any test runs.
        .testTarget(
            name: "DroprunBinaryTests",
            dependencies: ["DroprunKit", "DroprunTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
