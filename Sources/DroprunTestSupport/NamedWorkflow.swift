import DroprunKit

/// The named workflow `w` the admitted-definition tests (in-process and with the built binary) run, and its root.
public enum NamedWorkflow {
    public static let approvalThenEcho = #"""
        {"name": "w", "version": "1", "steps": [
          {"id": "ok", "provider": "approval", "with": {"message": "go?"}},
          {"id": "say", "provider": "echo", "with": {"said": "{{input.x}}"}}]}
        """#
    public static let threeSteps = #"""
        {"name": "w", "version": "1", "steps": [
          {"id": "ok", "provider": "approval", "with": {"message": "go?"}},
          {"id": "a", "provider": "echo", "with": {"from": "a"}},
          {"id": "b", "provider": "artifact", "with": {"name": "b.txt", "content": "b after {{steps.a.output.from}}"}}]}
        """#

    public static func root(workflow: String) throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write("workflows/w.json", workflow)
        return root
    }

    /// SHA-256 of a definition's canonical form, as records show it.
    public static func sha(_ text: String) throws -> String {
        SHA256.hex(JSONWriter.compactBytes(try JSONParser.parse(Array(text.utf8))))
    }
}
