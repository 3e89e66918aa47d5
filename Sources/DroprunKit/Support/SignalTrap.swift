import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM and SIGINT into a `StopToken` stop.
///
/// The signals are ignored first (so their default action does not kill the
/// process) and then read through dispatch sources, created here in the
/// library rather than in top-level code.
public enum SignalTrap {
    /// Installs the handlers; each signal stops `token`.
    public static func install(_ token: StopToken) {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue.global())
            source.setEventHandler { token.stop() }
            source.resume()
            // The sources live as long as the process: retained once, never released.
            _ = Unmanaged.passRetained(source as AnyObject)
        }
    }
}
