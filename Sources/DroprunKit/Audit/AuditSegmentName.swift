import Foundation

/// The name of one segment of an audit chain: `<chain>.jsonl` (segment 1), `<chain>~0002.jsonl`, `<chain>~0003.jsonl`, ...
///
/// A chain is one runner process's hash chain; its id is its first
/// segment's stem, `<compact start time>-<runner folder name>`
/// (`20261201T100000Z-host-1234`). Later segments carry their number in four
/// digits (more past 9999), so names sort by number within a chain. A runner's
/// folder name never holds `~` (`RunnerIdentity.safeHost`), so the last `~`
/// of a name always starts the number.
public struct AuditSegmentName: Sendable, Hashable {
    /// The chain's id: the first segment's stem.
    public var chain: String
    /// The segment's number, 1 for the first.
    public var number: Int

    public init(chain: String, number: Int) {
        self.chain = chain
        self.number = number
    }

    /// The file name under `outbox/audit/`.
    public var fileName: String {
        guard number > 1 else { return chain + ".jsonl" }
        let digits = String(number)
        return chain + "~" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".jsonl"
    }

    /// Reads a segment's file name back; nil for a name that is not a `.jsonl` file's (hidden, temporary, a head record).
    ///
    /// A name without a well-formed `~<number>` before `.jsonl` is the first
    /// segment of a chain named by its whole stem, so no `.jsonl` file in the
    /// audit folder escapes verification.
    public init?(fileName name: String) {
        guard name.hasSuffix(".jsonl"), !name.hasPrefix("."), name.utf8.count > 6 else { return nil }
        let stem = name.dropLast(6)
        if let tilde = stem.lastIndex(of: "~"), tilde != stem.startIndex {
            let digits = stem[stem.index(after: tilde)...]
            if digits.utf8.count >= 4, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let number = Int(digits), number >= 2,
                // `x~00002.jsonl` is not how segment 2 is named.
                AuditSegmentName(chain: String(stem[..<tilde]), number: number).fileName == name
            {
                self.init(chain: String(stem[..<tilde]), number: number)
                return
            }
        }
        self.init(chain: String(stem), number: 1)
    }

    /// The name of the next segment of the chain.
    public var next: AuditSegmentName { AuditSegmentName(chain: chain, number: number + 1) }

    /// The chain's start time, from its id (`20261201T100000Z-…`, to the second); nil when the id does not start with one.
    public var chainStart: Date? { Self.start(ofChain: chain) }

    /// The folder name of the runner that wrote the chain (what follows the start time); nil for an id of another form.
    public var runner: String? { Self.runner(ofChain: chain) }

    /// The start time a chain id begins with.
    static func start(ofChain chain: String) -> Date? {
        let b = Array(chain.utf8.prefix(16))
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        let text =
            String(decoding: b[0..<4], as: UTF8.self) + "-" + String(decoding: b[4..<6], as: UTF8.self) + "-"
            + String(decoding: b[6..<8], as: UTF8.self) + "T" + String(decoding: b[9..<11], as: UTF8.self) + ":"
            + String(decoding: b[11..<13], as: UTF8.self) + ":" + String(decoding: b[13..<15], as: UTF8.self) + "Z"
        return Timestamp.parse(text)
    }

    /// The runner folder name a chain id ends with: everything after `<start time>-`.
    static func runner(ofChain chain: String) -> String? {
        guard start(ofChain: chain) != nil, chain.utf8.count > 17, Array(chain.utf8)[16] == UInt8(ascii: "-") else { return nil }
        return String(chain.dropFirst(17))
    }
}
