/// Removes superseded files on a thread of its own (never the task pool's or Dispatch's), one at a time, in order.
///
/// In strict durability a record's old version has been flushed, so its
/// blocks are on disk, and freeing them waits for the disk (a synchronous
/// discard on file systems mounted with `discard`). Done inline, that wait
/// stalls one of the few threads every run shares; here it runs beside them.
/// A runner killed with removals pending leaves hidden `.tmp` files in
/// `outbox/running/`, which recovery sweeps.
public final class Reaper: Sendable {
    private let worker = WorkThread(name: "droprun-reaper")

    public init() {}

    /// Removes `path` soon.
    func remove(_ path: String, fileSystem: any FileSystem) {
        worker.submit { try? fileSystem.remove(path) }
    }

    /// Returns once every removal asked for so far is done.
    func drain() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            worker.submit { done.resume() }
        }
    }
}
