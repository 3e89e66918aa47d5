import Foundation

/// One name in a directory listing.
public struct DirectoryEntry: Sendable, Equatable {
    /// The name, without the folder.
    public var name: String
    /// The kind, when the listing reported it (`d_type`); nil means ask `lstat`.
    public var type: FileType?
    /// The name's bytes, when they are not UTF-8 (`name` then escapes each such byte as `%XX`).
    public var rawName: [UInt8]?

    public init(name: String, type: FileType?, rawName: [UInt8]? = nil) {
        self.name = name
        self.type = type
        self.rawName = rawName
    }

    /// A name for bytes that are not UTF-8: printable ASCII kept, every other byte as `%XX`.
    public static func escapedName(_ bytes: [UInt8]) -> String {
        var text = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "%") {
                text.append(Character(UnicodeScalar(b)))
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                text += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}
