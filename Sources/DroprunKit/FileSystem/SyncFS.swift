/// `syncfs`, which Glibc's Swift module does not export (it needs `_GNU_SOURCE`): looked up once.
enum SyncFS {
    typealias Function = @convention(c) (Int32) -> Int32
    static let function: Function? = DynamicSymbol.address("syncfs").map { unsafeBitCast($0, to: Function.self) }
}
