import Synchronization

/// A set of run ids shared by a runner's tasks.
final class RunIDSet: Sendable {
    private let ids = Mutex<Set<String>>([])
    func insert(_ id: String) { _ = ids.withLock { $0.insert(id) } }
    var contents: Set<String> { ids.withLock { $0 } }
}
