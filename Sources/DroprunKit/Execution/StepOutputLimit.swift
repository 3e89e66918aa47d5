/// Keeps every value a run carries within what droprun reads back.
///
/// A step's output goes into the run's record, which droprun reads again
/// (to resume, recover, approve, show). References can build an output
/// deeper than any request (`{"a": {"b": "{{input.v}}"}}`), and chained
/// steps deeper still; without a limit a record could outgrow its readers.
/// An output may nest as deep as a request may (`JSONParser.defaultMaxDepth`),
/// and `RecordReader.maxDepth` covers a record holding such outputs.
enum StepOutputLimit {
    /// The deepest nesting a step's output may have.
    static let maxDepth = JSONParser.defaultMaxDepth

    /// Throws `output_too_deep` when `output` nests deeper than `maxDepth`.
    static func check(_ output: JSONValue) throws(StepFailure) {
        let depth = output.nestingDepth(limit: maxDepth)
        guard depth <= maxDepth else {
            throw StepFailure(
                .outputTooDeep,
                "the step's output nests deeper than \(maxDepth) levels, more than a run can carry; wrap fewer levels around the values it takes")
        }
    }
}
