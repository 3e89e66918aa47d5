import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The one chunked line reader: lines cut by a chunk's end are joined, forward and backward, at any chunk size.
@Suite struct LineChunksTests {
    static let lines = ["a", "bb", String(repeating: "c", count: 37), "", "dddd", #"{"runId":"x"}"#, "e"]

    func file(_ text: String) throws -> (TemporaryRoot, String) {
        let root = try TemporaryRoot()
        try root.write("lines.jsonl", text)
        return (root, root.file("lines.jsonl"))
    }

    @Test(arguments: [1, 2, 3, 5, 8, 64, 1 << 20])
    func everyLineComesWholeForwardAndBackward(chunk: Int) throws {
        let (root, path) = try file(Self.lines.joined(separator: "\n") + "\n" + "torn")
        _ = root
        let reader = LineChunks(fileSystem: PosixFileSystem(), chunkBytes: chunk)
        var forward: [String] = []
        let torn = try reader.forEach(path) { line in
            forward.append(String(decoding: line.bytes, as: UTF8.self))
            return true
        }
        #expect(forward == Self.lines)
        #expect(torn == 4)
        var backward: [String] = []
        let size = Int64(try #require(root.read("lines.jsonl")).utf8.count)
        try reader.forEachReversed(path, size: size) { line in
            backward.append(String(decoding: line, as: UTF8.self))
            return true
        }
        #expect(backward == (Self.lines.filter { !$0.isEmpty } + ["torn"]).reversed())
        #expect(reader.contains(Array(#""runId":"x""#.utf8), in: path))
        #expect(!reader.contains(Array(#""runId":"y""#.utf8), in: path))
    }

    @Test func aBodyThatStopsEndsTheReading() throws {
        let (root, path) = try file("1\n2\n3\n")
        _ = root
        var seen: [String] = []
        try LineChunks(fileSystem: PosixFileSystem(), chunkBytes: 2).forEachReversed(path, size: 6) { line in
            seen.append(String(decoding: line, as: UTF8.self))
            return seen.count < 2
        }
        #expect(seen == ["3", "2"])
    }
}
