import Foundation
import Synchronization

/// A few threads of their own for blocking file work done side by side: gc's per-run renames and unlinks.
///
/// On a large folder whose blocks are not in memory, each `rename` or
/// `unlink` waits for a read of the disk; several at once let the disk serve
/// them together. The caller's thread works too (it must be one that may
/// block: a `WorkThread`, or a command's own thread, never the cooperative
/// pool), helped by `width - 1` `WorkThread`s, each started only while there
/// is work (an idle pool holds no thread).
final class BlockingPool: Sendable {
    private let helpers: [WorkThread]

    /// The most jobs run at once (the caller's thread and its helpers).
    var width: Int { helpers.count + 1 }

    /// `width` at least 1; `name` names the helper threads (`name-1`, ...; 15 bytes at most with the number).
    init(name: String, width: Int) {
        helpers = (1..<max(1, width)).map { WorkThread(name: "\(name)-\($0)") }
    }

    /// Calls `body` for every index of `0..<count`, up to `width` (and `limit`) at once, each once; returns the
    /// results in index order once all are done.
    func map<T: Sendable>(_ count: Int, limit: Int? = nil, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let lanes = min(count, width, max(1, limit ?? width))
        guard lanes > 1 else { return (0..<count).map(body) }
        let shared = Shared<T>(count: count)
        let done = DispatchSemaphore(value: 0)
        for helper in helpers.prefix(lanes - 1) {
            helper.submit {
                shared.work(body)
                done.signal()
            }
        }
        shared.work(body)
        for _ in 1..<lanes { done.wait() }
        return shared.results()
    }

    /// The next index to take and the results so far, shared by the threads of one `map`.
    private final class Shared<T: Sendable>: Sendable {
        private let next = Atomic<Int>(0)
        private let count: Int
        private let slots: Mutex<[T?]>

        init(count: Int) {
            self.count = count
            slots = Mutex([T?](repeating: nil, count: count))
        }

        func work(_ body: (Int) -> T) {
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                let value = body(index)
                slots.withLock { $0[index] = value }
            }
        }

        func results() -> [T] { slots.withLock { $0.compactMap { $0 } } }
    }
}
