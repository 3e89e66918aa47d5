/// `prctl`, looked up at run time: it is variadic in C, which Swift does not import.
enum Prctl {
    typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    static let setParentDeathSignal: Int32 = 1
    static let setName: Int32 = 15
    static let function: Function? = DynamicSymbol.address("prctl").map { unsafeBitCast($0, to: Function.self) }
}
