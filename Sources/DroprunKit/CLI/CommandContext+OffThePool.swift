extension CommandContext {
    /// The name of the thread `offThePool` reads on (15 bytes at most: the kernel's limit).
    static let readingThreadName = "droprun-read"

    /// Runs `job` (reading a root: blocking file work) on a `WorkThread` of its own and waits for it without holding a
    /// thread of the cooperative pool.
    ///
    /// `health`, `stats` and `report` read every record of a root; on the
    /// pool, a slow disk would hold one of its few threads for the whole read.
    func offThePool<T: Sendable, E: Error>(_ job: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        try await WorkThread(name: Self.readingThreadName).perform { Result { () throws(E) -> T in try job() } }.get()
    }
}
