import DroprunKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `droprun` executable: builds the real environment and hands over to the library.
@main
struct Entrypoint {
    static func main() async {
        // Spawned as an exec step's child: become the command (this never returns when it can start).
        if let failure = ExecShim.runIfRequested(CommandLine.arguments) { exit(failure) }
        let code = await CLI.run(
            arguments: Array(CommandLine.arguments.dropFirst()),
            environment: .live()
        )
        exit(code.rawValue)
    }
}
