import Testing

@testable import DroprunKit

@Suite struct SHA256Tests {
    // MARK: - NIST / FIPS 180-4 example vectors

    @Test func emptyString() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func twoBlockMessage448Bits() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(message.utf8.count == 56)
        #expect(SHA256.hex(message) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func message896Bits() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(message.utf8.count == 112)
        #expect(SHA256.hex(message) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(data) == expected)

        // Same message fed incrementally in 1000-byte pieces.
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 {
            hasher.update(piece)
        }
        #expect(hasher.finalize().hexString == expected)
    }

    // MARK: - Padding boundaries

    // Expected values computed on this machine with coreutils `sha256sum`, e.g.
    //   head -c 55 /dev/zero | tr '\0' 'a' | sha256sum
    static let repeatedA: [(Int, String)] = [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
    ]

    @Test(arguments: repeatedA)
    func paddingBoundaryRepeatedA(length: Int, expected: String) {
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: length)
        #expect(SHA256.hex(data) == expected)
        #expect(SHA256.hex(String(repeating: "a", count: length)) == expected)
    }

    // Expected values computed on this machine with coreutils `sha256sum`, e.g.
    //   python3 -c "import sys; sys.stdout.buffer.write(bytes(range(55)))" | sha256sum
    static let byteSequence: [(Int, String)] = [
        (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
        (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
        (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
        (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
        (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
    ]

    @Test(arguments: byteSequence)
    func paddingBoundaryByteSequence(length: Int, expected: String) {
        let data = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        #expect(SHA256.hex(data) == expected)
    }

    // MARK: - Incremental updates

    /// 10,000 bytes of a non-trivial pattern. Its digest was computed on this
    /// machine with `sha256sum`:
    ///   python3 -c "import sys; sys.stdout.buffer.write(bytes(((i*31+7)&0xff) for i in range(10000)))" | sha256sum
    static let patternData: [UInt8] = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    static let patternDigest = "470b2cd71bff57ce8be0be3fc23df273052c4bb10a1235fddb8f158d6f928546"

    @Test func oneShotPattern() {
        #expect(SHA256.hex(Self.patternData) == Self.patternDigest)
        #expect(SHA256.hash(Self.patternData).count == 32)
    }

    @Test(arguments: [1, 3, 63, 64, 65, 1000])
    func incrementalFixedChunks(chunkSize: Int) {
        let data = Self.patternData
        var hasher = SHA256()
        var start = 0
        while start < data.count {
            let end = min(start + chunkSize, data.count)
            hasher.update(data[start..<end])
            start = end
        }
        let digest = hasher.finalize()
        #expect(digest == SHA256.hash(data))
        #expect(digest.hexString == Self.patternDigest)
    }

    @Test func incrementalMixedChunks() {
        let data = Self.patternData
        let sizes = [1, 3, 63, 64, 65, 1000]
        var hasher = SHA256()
        var start = 0
        var index = 0
        while start < data.count {
            let end = min(start + sizes[index % sizes.count], data.count)
            hasher.update(Array(data[start..<end]))
            start = end
            index += 1
        }
        #expect(hasher.finalize().hexString == Self.patternDigest)
    }

    @Test func emptyUpdatesAreNoOps() {
        var hasher = SHA256()
        hasher.update([UInt8]())
        hasher.update("ab")
        hasher.update("")
        hasher.update([UInt8]())
        hasher.update("c")
        #expect(hasher.finalize().hexString == SHA256.hex("abc"))
    }

    // MARK: - Input kinds

    @Test func nonContiguousSequence() {
        // A lazy map has no contiguous storage, exercising the fallback path.
        let lazyBytes = (0..<10_000).lazy.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(SHA256.hex(lazyBytes) == Self.patternDigest)

        var hasher = SHA256()
        hasher.update(Self.patternData[0..<5])
        hasher.update(Self.patternData[5..<7000].lazy.map { $0 })
        hasher.update(Self.patternData[7000...])
        #expect(hasher.finalize().hexString == Self.patternDigest)
    }

    @Test func rawBufferPointer() {
        let digest = Self.patternData.withUnsafeBytes { raw in
            SHA256.hex(raw)
        }
        #expect(digest == Self.patternDigest)
    }

    @Test func stringAndBytesAgree() {
        let text = "héllo, wörld — ✓ droprun"
        #expect(SHA256.hex(text) == SHA256.hex(Array(text.utf8)))
        #expect(SHA256.hex(text) == SHA256.hex(text.utf8))
    }

    // MARK: - Hex encoding

    @Test func hexString() {
        #expect([UInt8]().hexString == "")
        #expect([0x00, 0x01, 0x0f, 0x10, 0x7f, 0x80, 0xab, 0xff].hexString == "00010f107f80abff")
        let all = (0...255).map { UInt8($0) }.hexString
        #expect(all.count == 512)
        #expect(all.hasPrefix("000102"))
        #expect(all.hasSuffix("fdfeff"))
        #expect(SHA256.hash("abc".utf8).hexString == SHA256.hex("abc"))
    }
}
