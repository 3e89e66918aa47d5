/// A run record read for where the run is and who holds it: its status, its owner and its approval, with the record.
///
/// Read from the record's JSON, not decoded into a `RunRecord`, so a record
/// written by another droprun version, or one a runner is in the middle of
/// rewriting, still says who holds its run. This and the record decoder are
/// the only readers of a record's `status`.
struct HeldRecord: Sendable {
    /// The run's status.
    var status: RunStatus
    /// The folder name (`host-pid-instance`) of the runner the record names, if any: the runner holding it.
    var owner: String?
    /// The `runner` member (`host:pid`) as written, if any.
    var runner: String?
    /// What the run waits for, when it waits for an approval.
    var approval: PendingApproval?
    /// The whole record.
    var json: JSONValue

    /// Reads a record's JSON; nil when it has no run status (it is not a run record).
    init?(json: JSONValue) {
        guard let status = json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)) else { return nil }
        self.status = status
        self.runner = json["runner"]?.stringValue
        self.owner = Self.owner(of: json)
        self.approval = json["approval"].flatMap(PendingApproval.init(json:))
        self.json = json
    }

    /// The runner holding a record, as its folder name, if any (see `owner`).
    static func owner(of json: JSONValue) -> String? {
        owner(runnerId: json["runnerId"]?.stringValue, runner: json["runner"]?.stringValue)
    }

    /// The runner holding a record, as its folder name: its `runnerId`, else the folder name of its `runner` (`host:pid`).
    static func owner(runnerId: String?, runner: String?) -> String? {
        runnerId ?? runner.flatMap(RunnerIdentity.init(actor:))?.folderName
    }
}
