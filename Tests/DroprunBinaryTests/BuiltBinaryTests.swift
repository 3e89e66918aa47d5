import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEndTests {
    /// The executable these tests run is the one built with them.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct BuiltBinaryTests {
        @Test func builtBinaryIsTheOneBuiltWithTheTests() async throws {
            let path = try BuiltBinary.path()
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let products = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            #expect(products.contains { $0.hasSuffix(".xctest") }, "\(path) is not beside a test bundle: \(products)")
            // The running test bundle's folder (the scratch path that built it) is the binary's folder.
            let running = ([CommandLine.arguments.first ?? ""] + Bundle.allBundles.map(\.bundlePath)).compactMap { candidate -> String? in
                guard let range = candidate.range(of: ".xctest") else { return nil }
                let bundle = URL(fileURLWithPath: String(candidate[..<range.upperBound]))
                return bundle.deletingLastPathComponent().resolvingSymlinksInPath().path
            }
            try #require(
                !running.isEmpty, "no running test bundle found in \(CommandLine.arguments.first ?? "") or \(Bundle.allBundles.map(\.bundlePath))")
            #expect(
                running.contains(URL(fileURLWithPath: folder).resolvingSymlinksInPath().path), "\(path) is not beside the running tests (\(running))")
        }
    }
}
