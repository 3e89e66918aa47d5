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
        // Spawned as an exec step's child, CLI.run becomes the command first thing, as in any program embedding droprun.
        let code = await CLI.run(
            arguments: Array(CommandLine.arguments.dropFirst()),
            environment: .live()
        )
        exit(code.rawValue)
    }
}
