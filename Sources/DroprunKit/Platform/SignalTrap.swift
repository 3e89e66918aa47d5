import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM, SIGINT and SIGHUP into a `StopToken` stop.
///
/// SIGHUP is what a closed terminal or ssh session sends: its default
/// action kills at once, leaving the heartbeat behind as `kill -9` would, so
/// it gets the clean stop too.
///
/// The signals are ignored first (so their default action does not kill the
/// process) and then read through dispatch sources, created here in the
/// library rather than in top-level code.
public enum SignalTrap {
    /// Installs the handlers; each signal stops `token`.
    public static func install(_ token: StopToken) {
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue.global())
            source.setEventHandler { token.stop() }
            source.resume()
            // The sources live as long as the process: retained once, never released.
            _ = Unmanaged.passRetained(source as AnyObject)
        }
    }
}
