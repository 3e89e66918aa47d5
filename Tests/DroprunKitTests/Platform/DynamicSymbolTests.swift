import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The C functions droprun looks up by name are found in this C library, and an unknown name is not.
@Suite struct DynamicSymbolTests {
    @Test func theFunctionsDroprunUsesAreFound() {
        #if os(Linux)
        #expect(ClosedOnExecPipe.function != nil)
        #expect(CloseFromAction.function != nil)
        #expect(ChangeDirectoryAction.function != nil)
        #expect(Prctl.function != nil)
        #expect(SyncFS.function != nil)
        #expect(Pidfd.openFunction != nil)
        #endif
        #expect(DynamicSymbol.address("droprun_no_such_function") == nil)
    }

    @Test func aFoundFunctionIsCallable() throws {
        typealias GetPid = @convention(c) () -> Int32
        let found = try #require(DynamicSymbol.address("getpid").map { unsafeBitCast($0, to: GetPid.self) })
        #expect(found() == getpid())
    }
}
