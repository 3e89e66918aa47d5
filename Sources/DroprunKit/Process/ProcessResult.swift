/// How a child process ended.
public struct ProcessResult: Sendable, Equatable {
    /// Exit status, when it exited.
    public var exitCode: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    /// Everything it printed on standard output (up to the launcher's limit).
    public var standardOutput: [UInt8]
    /// Everything it printed on standard error (up to the launcher's limit).
    public var standardError: [UInt8]

    public init(exitCode: Int32?, signal: Int32?, standardOutput: [UInt8], standardError: [UInt8]) {
        self.exitCode = exitCode
        self.signal = signal
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}
