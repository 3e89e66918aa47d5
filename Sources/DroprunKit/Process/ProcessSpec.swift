/// What to start: a program, its argument vector, its environment and folder. Never a shell line.
public struct ProcessSpec: Sendable, Equatable {
    /// Absolute path of the program.
    public var path: String
    /// Arguments after the program name, passed as they are.
    public var arguments: [String]
    /// The whole environment of the child.
    public var environment: [String: String]
    /// Folder the child starts in; nil: the runner's.
    public var workingDirectory: String?
    /// Bytes written to the child's standard input, which is then closed.
    public var standardInput: [UInt8]

    public init(path: String, arguments: [String], environment: [String: String], workingDirectory: String?, standardInput: [UInt8]) {
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
    }
}
