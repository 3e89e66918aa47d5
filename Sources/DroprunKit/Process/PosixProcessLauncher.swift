import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts children with `posix_spawn`: an argument vector, never a shell.
///
/// The child gets exactly the environment in its spec, its own process group
/// (so a timeout signals the whole group), default handling of every signal
/// (an ignored SIGTERM in the runner would otherwise stay ignored in the
/// child), an empty signal mask, and no descriptor but its three pipes (they
/// are close-on-exec from their creation, so a sibling spawned at the same
/// moment never inherits them; every other descriptor is closed in the child,
/// by `posix_spawn` where glibc can and by the shim before `execve`). Output beyond
/// `outputLimit` bytes per stream is read and dropped.
///
/// Each child has a thread of its own that spawns it, feeds and drains its
/// pipes (`poll`, non-blocking descriptors) and reaps it: nothing about a
/// child ever blocks a thread of Swift concurrency's pool or Dispatch's global
/// queues, which the runner's timers, heartbeats and other runs need. With a
/// `shim` (the droprun executable, see `ExecShim`), the child is held back
/// until `proceed()` and dies with the thread that spawned it, which lives
/// until the child is reaped: so it dies when its runner dies.
public struct PosixProcessLauncher: ProcessLauncher {
    /// Bytes kept of each output stream.
    public var outputLimit: Int
    /// The droprun executable to spawn as the exec shim; nil: the program is spawned directly (and starts at once).
    public var shim: String?

    public init(outputLimit: Int = 16 << 20, shim: String? = nil) {
        self.outputLimit = outputLimit
        self.shim = shim
    }

    /// The launcher of the real program: the running executable is the shim, where there is one.
    ///
    /// That executable must be droprun or a program that hands its command
    /// line to `CLI.run` (which becomes the shim when asked) or calls
    /// `ExecShim.runIfRequested` before anything else; a program that does
    /// neither sets `shim` itself (a droprun binary's path, or nil).
    public static var live: PosixProcessLauncher { PosixProcessLauncher(shim: ExecShim.currentExecutable) }

    public func start(_ spec: ProcessSpec) async throws -> any RunningProcess {
        let shim = self.shim
        let limit = outputLimit
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any RunningProcess, any Error>) in
            // The thread lives exactly as long as the child: the parent-death signal follows the thread that spawned.
            let thread = Thread {
                let child: PosixRunningProcess
                do {
                    child = try PosixRunningProcess.spawn(spec, shim: shim, limit: limit)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: child)
                child.serve()
            }
            thread.name = "droprun exec"
            thread.stackSize = 512 << 10
            thread.start()
        }
    }
}

// Glibc's spawn types are structs; Darwin's are optional opaque pointers.
#if canImport(Darwin)
typealias SpawnActions = posix_spawn_file_actions_t?
typealias SpawnAttributes = posix_spawnattr_t?
#else
typealias SpawnActions = posix_spawn_file_actions_t
typealias SpawnAttributes = posix_spawnattr_t
#endif

/// Calls `body` with a NULL-terminated array of C strings.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
