import Foundation

/// The folder of this package (the one holding `Package.swift`), for tests that read the README, fixtures or docs.
public enum PackageRoot {
    /// The package folder, found from this source file's place in it.
    public static let url: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// A file or folder of the package, by its path relative to the package folder.
    public static func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}
