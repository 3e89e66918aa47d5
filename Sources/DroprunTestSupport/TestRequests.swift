/// A fresh root with every folder and `"durability": "fast"`: the root most command tests start from.
public func makeRoot() throws -> TemporaryRoot {
    let root = try TemporaryRoot()
    try root.write("droprun.json", #"{ "durability": "fast" }"#)
    return root
}

/// A one-step echo request (`id` omitted when nil: the run is then named after its file).
public func echoRequest(id: String?, value: String = "v") -> String {
    let idMember = id.map { #""id":"\#($0)","# } ?? ""
    return
        #"{\#(idMember)"workflow":{"name":"echo-once","version":"1","steps":[{"id":"say","provider":"echo","with":{"value":"\#(value)"}}]},"input":{}}"#
}

extension RequestText {
    /// A run that waits at an approval step (`ok`, "ship it?") and then echoes: the decision tests' request.
    public static func shipIt(id: String) -> String {
        make(
            id: id,
            steps: [
                #"{"id": "ok", "provider": "approval", "with": {"message": "ship it?"}}"#,
                #"{"id": "after", "provider": "echo", "with": {"done": true}}"#,
            ])
    }
}
