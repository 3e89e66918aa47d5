/// The one wording for an alias the operator did not allow in `droprun.json` (an exec command, an http endpoint):
/// that the provider is off when nothing is allowed, else what is allowed and the nearest name.
enum AllowedAlias {
    /// `kind` is what an alias names (`command`, `endpoint`); `key` is where they are allowed (`providers.exec.commands`).
    static func unknown(_ alias: String, among aliases: [String], provider: String, kind: String, key: String) -> String {
        if aliases.isEmpty {
            return "\(provider) is disabled: no \(kind) is allowed (name one under \(key) in droprun.json); '\(alias)' was asked"
        }
        var message = "'\(alias)' is not an allowed \(kind); allowed: \(aliases.joined(separator: ", "))"
        if let near = Suggestion.nearest(to: alias, among: aliases) { message += "; did you mean '\(near)'?" }
        return message
    }
}
