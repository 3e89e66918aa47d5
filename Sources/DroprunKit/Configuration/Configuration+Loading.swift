extension Configuration {
    /// The configuration file's name at the root.
    public static let fileName = "droprun.json"

    /// Reads `droprun.json` under `root`; the defaults when there is none.
    public static func load(root: String, fileSystem: any FileSystem) throws(ConfigurationError) -> Configuration {
        let path = Path.join(root, fileName)
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(path, maxBytes: 4 << 20)
        } catch .notFound {
            return Configuration()
        } catch {
            throw ConfigurationError(file: path, issues: [ValidationIssue(nil, "cannot read it: \(error)")])
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ConfigurationError(file: path, issues: [ValidationIssue(nil, "not valid JSON: \(error)")])
        }
        return try parse(json, file: path)
    }

    /// Builds a configuration from parsed JSON, strictly: unknown keys and wrong types are errors.
    public static func parse(_ json: JSONValue, file: String) throws(ConfigurationError) -> Configuration {
        var config = Configuration()
        var r = JSONObjectReader(json, at: .root)
        if let v = r.int("concurrency", in: 1...256) { config.concurrency = v }
        if let v = r.int("pollIntervalMs", in: 10...3_600_000) { config.pollIntervalMs = v }
        if let v = r.int("settleMs", in: 0...3_600_000) { config.settleMs = v }
        if let v = r.int("maxRequestBytes", in: 1...(1 << 30)) { config.maxRequestBytes = v }
        if let v = r.choice("durability", Durability.allCases.map(\.rawValue)), let d = Durability(rawValue: v) {
            config.durability = d
        }
        if let v = r.int("leaseSeconds", in: 1...86_400) { config.leaseSeconds = v }
        if let v = r.string("workflows") {
            if v.isEmpty || v.hasPrefix("/") || v.split(separator: "/").contains("..") {
                r.report(ValidationIssue(JSONPath.root.key("workflows"), "expected a folder inside the root, found '\(v)'"))
            } else {
                config.workflowsFolder = v
            }
        }
        if let defaults = r.value("defaults") {
            var d = JSONObjectReader(defaults, at: JSONPath.root.key("defaults"))
            if let v = d.int("stepTimeoutMs", in: 1...86_400_000) { config.stepTimeoutMs = v }
            if let v = d.int("runTimeoutSeconds", in: 1...2_592_000) { config.runTimeoutSeconds = v }
            if let v = d.int("maxParallelSteps", in: 1...256) { config.maxParallelSteps = v }
            d.finish()
            r.report(d.issues)
        }
        if let providers = r.value("providers") {
            let issues = parseProviders(providers, into: &config)
            r.report(issues)
        }
        if let retention = r.value("retention") {
            var t = JSONObjectReader(retention, at: JSONPath.root.key("retention"))
            // At least a minute, at most a hundred years.
            let days: ClosedRange<Double> = (60 / RetentionSettings.day)...36_500
            config.retention.runsDays = t.number("runsDays", in: days, rangeText: RetentionSettings.rangeText)
            config.retention.rejectedDays = t.number("rejectedDays", in: days, rangeText: RetentionSettings.rangeText)
            config.retention.dedupeDays = t.number("dedupeDays", in: days, rangeText: RetentionSettings.rangeText)
            config.retention.auditDays = t.number("auditDays", in: days, rangeText: RetentionSettings.rangeText)
            // An id free again while its old run's files are kept: a new run with it would share them with the old one.
            if let dedupe = config.retention.dedupeDays, let runs = config.retention.runsDays, dedupe < runs {
                t.report(
                    ValidationIssue(
                        JSONPath.root.key("retention").key("dedupeDays"),
                        "expected at least retention.runsDays (\(JSONWriter.compact(.double(runs)))), found \(JSONWriter.compact(.double(dedupe))): "
                            + "a purged run's id must stay refused until gc has removed its files; raise dedupeDays or lower runsDays"))
            }
            t.finish()
            r.report(t.issues)
        }
        if let audit = r.value("audit") {
            var a = JSONObjectReader(audit, at: JSONPath.root.key("audit"))
            if let v = a.int("segmentBytes", in: 4096...(1 << 34)) { config.auditSegmentBytes = v }
            a.finish()
            r.report(a.issues)
        }
        if let health = r.value("health") {
            HealthSettings.read(health, at: JSONPath.root.key("health"), into: &config.health, reporting: &r)
        }
        MetricsSettings.read(from: &r, into: &config.metrics)
        if let notifications = r.value("notifications") {
            config.notifications = NotificationSettings.read(
                notifications, at: JSONPath.root.key("notifications"), endpoints: config.httpEndpoints, reporting: &r)
        }
        if let v = r.choice("logFormat", LogFormat.allCases.map(\.rawValue)), let f = LogFormat(rawValue: v) { config.logFormat = f }
        r.finish()
        if !r.issues.isEmpty { throw ConfigurationError(file: file, issues: r.issues) }
        return config
    }

    /// True for `^[A-Za-z_][A-Za-z0-9_]*$`.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first,
            first == UInt8(ascii: "_") || RunID.isAlphanumeric(first) && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || RunID.isAlphanumeric($0) }
    }

    private static func parseProviders(_ json: JSONValue, into config: inout Configuration) -> [ValidationIssue] {
        let path = JSONPath.root.key("providers")
        var p = JSONObjectReader(json, at: path)
        if let llm = p.value("llm") {
            LLMModelSettings.read(llm, at: path.key("llm"), into: &config.llmModels, reporting: &p)
        }
        if let http = p.value("http") {
            HTTPEndpointSettings.read(http, at: path.key("http"), into: &config.httpEndpoints, reporting: &p)
        }
        if let exec = p.value("exec") {
            var e = JSONObjectReader(exec, at: path.key("exec"))
            if let commands = e.value("commands") {
                let commandsPath = path.key("exec").key("commands")
                var c = JSONObjectReader(commands, at: commandsPath)
                for (alias, settings) in c.members.sorted(by: { $0.key < $1.key }) {
                    _ = c.value(alias)
                    var s = JSONObjectReader(settings, at: commandsPath.key(alias))
                    let commandPath = s.string("path", required: true)
                    var command = ExecCommandSettings(path: commandPath ?? "")
                    if let commandPath, !commandPath.hasPrefix("/") {
                        s.report(ValidationIssue(commandsPath.key(alias).key("path"), "expected an absolute path, found '\(commandPath)'"))
                    }
                    if let v = s.int("timeoutMs", in: 1...86_400_000) { command.timeoutMs = v }
                    if let v = s.value("retryableExitCodes") {
                        if let codes = v.arrayValue?.compactMap(\.intValue), codes.count == v.arrayValue?.count {
                            command.retryableExitCodes = codes
                        } else {
                            s.report(
                                ValidationIssue(
                                    commandsPath.key(alias).key("retryableExitCodes"), "expected an array of whole numbers, found \(v.preview)"))
                        }
                    }
                    if let v = s.stringArray("env") { command.env = v }
                    if let v = s.string("workingDirectory") { command.workingDirectory = v }
                    s.finish()
                    c.report(s.issues)
                    config.execCommands[alias] = command
                }
                e.report(c.issues)
            }
            e.finish()
            p.report(e.issues)
        }
        p.finish()
        p.report(LLMModelSettings.crossCheck(config))
        return p.issues
    }
}
