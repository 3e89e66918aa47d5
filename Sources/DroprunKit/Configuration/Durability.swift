/// How hard droprun works to keep state across power loss.
public enum Durability: String, Sendable, CaseIterable {
    /// Every state change is flushed (`fsync` of files and their folders) before it counts.
    case strict
    /// Atomic renames only: a killed process loses nothing, a power cut may lose recent changes.
    case fast
}
