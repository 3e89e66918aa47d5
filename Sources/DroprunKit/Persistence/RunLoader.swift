import Foundation

/// Reads a run back from its record, its kept request and the workflow definition it was admitted with.
struct RunLoader {
    let context: EngineContext

    /// The record and request of `runId`; `problem` says why the run cannot go on (it is then failed with that), if so;
    /// nil when its record cannot be read (reported as a warning, naming `outbox/running/<runId>.json`, where the
    /// caller puts a record it moved back).
    ///
    /// A named workflow comes from `outbox/requests/<runId>~workflow.json`,
    /// never from the workflows folder; a kept definition that is gone or
    /// whose SHA-256 is not the record's is a `workflow_mismatch`. Runs
    /// recorded by a droprun that kept no definition (their record has no
    /// `workflow.sha256`) resolve the file as it is now, and the executor
    /// checks its steps against the record's.
    /// The failure for a kept request whose bytes are not the ones the run was admitted with (someone rewrote it).
    private func requestChanged(_ raw: [UInt8], _ record: RunRecord) -> StepFailure {
        StepFailure(
            .workflowMismatch,
            "outbox/requests/\(record.runId).json is not the request the run was admitted with (its sha256 is \(SHA256.hex(raw)), the record's \(record.requestSHA256)): it was changed after admission, so it is not run"
        )
    }

    func load(runId: String, recordPath: String) -> (record: RunRecord, request: RunRequest, problem: StepFailure?)? {
        let fs = context.fileSystem
        let record: RunRecord
        do {
            record = try RecordReader.record(at: recordPath, fileSystem: fs)
        } catch {
            context.reportUnreadable(UnreadableRecord(path: context.layout.runningRecord(runId), reason: error.reason))
            return nil
        }
        let keptPath = "outbox/requests/\(runId)~workflow.json"
        var problem = StepFailure(.providerError, "outbox/requests/\(runId).json cannot be read")
        let keptRequest = try? fs.readFile(context.layout.request(runId), maxBytes: 1 << 30)
        if let raw = keptRequest, !record.requestSHA256.isEmpty, SHA256.hex(raw) != record.requestSHA256 {
            problem = requestChanged(raw, record)
        } else if let raw = keptRequest {
            var decoded: (drop: Result<Drop, Rejection>, workflow: AdmittedWorkflow?)?
            do throws(ReadFileError) {
                let kept = try fs.readFile(context.layout.keptWorkflow(runId), maxBytes: 64 << 20)
                if let sha = record.workflowSHA256, SHA256.hex(kept) != sha {
                    problem = StepFailure(
                        .workflowMismatch,
                        "\(keptPath) is not the definition the run was admitted with (its sha256 is \(SHA256.hex(kept)), the record's \(sha))")
                } else {
                    decoded = AdmittedWorkflow.decode(raw, fileName: runId + ".json", with: context.decoder, kept: kept)
                }
            } catch .notFound where record.workflowFile != nil {
                problem = StepFailure(
                    .workflowMismatch, "the definition the run was admitted with (\(keptPath), from \(record.workflowFile ?? "")) is gone")
            } catch .notFound {
                // Inline, or recorded before definitions were kept.
                decoded = AdmittedWorkflow.decode(raw, fileName: runId + ".json", with: context.decoder)
            } catch {
                problem = StepFailure(.workflowMismatch, "the definition the run was admitted with (\(keptPath)) cannot be read: \(error)")
            }
            switch decoded?.drop {
            case .success(.run(var request, _))?:
                request.id = runId
                return (record, request, nil)
            case .success(.control)?:
                problem = StepFailure(.providerError, "outbox/requests/\(runId).json is not a run request")
            case .failure(let rejection)?:
                problem = StepFailure(
                    .providerError, "the kept request no longer validates (was the configuration or a provider changed?): \(rejection)")
            case nil:
                break
            }
        }
        // Keep the recorded shape, so the run can at least end with a clear error.
        let workflow = Workflow(
            name: record.workflowName, version: record.workflowVersion, steps: record.steps.map { StepDefinition(id: $0.id, provider: $0.provider) })
        return (record, RunRequest(id: runId, workflow: workflow), problem)
    }
}
