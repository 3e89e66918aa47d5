import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM and SIGINT into a `StopToken` stop, and SIGHUP into a `ReloadToken` request (`watch`).
///
/// SIGHUP asks a daemon to read its configuration again (Postfix, nginx,
/// sshd; systemd's `ExecReload=/bin/kill -HUP $MAINPID`), so it never stops
/// `watch`: a watch left on a terminal that is closed goes on serving the
/// root (stop it with SIGTERM; under systemd or cron no terminal is involved).
///
/// The signals are ignored first (so their default action does not kill the
/// process) and then read through dispatch sources, created here in the
/// library rather than in top-level code.
public enum SignalTrap {
    /// Installs the stop handlers: SIGTERM and SIGINT each stop `token`.
    public static func install(_ token: StopToken) {
        for sig in [SIGTERM, SIGINT] { listen(sig) { token.stop() } }
    }

    /// Installs the reload handler: each SIGHUP requests a reload on `token`.
    public static func installReload(_ token: ReloadToken) {
        listen(SIGHUP) { token.request() }
    }

    private static func listen(_ sig: Int32, _ handler: @escaping @Sendable () -> Void) {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue.global())
        source.setEventHandler(handler: handler)
        source.resume()
        // The sources live as long as the process: retained once, never released.
        _ = Unmanaged.passRetained(source as AnyObject)
    }
}
