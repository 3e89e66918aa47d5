import DroprunKit
import Foundation

/// The mix of runs the history generator writes: three workflows, about 90% succeeded, 8% failed, 2% cancelled.
///
/// `report` (template, transform, artifact) is the benchmark's three-step
/// workflow and the only one that writes an artifact (about 10% of runs);
/// `ingest` calls a command (exec), parses and publishes; `summarize` asks the
/// stub model. Failures are the ones such steps meet: a command's exit
/// status, a step time limit, a transform on bad input, a rate limit after
/// retries, a full disk; cancels come from an operator.
enum HistoryCatalog {
    static let tenants: [(name: String, weight: Int)] = [("acme", 40), ("globex", 25), ("initech", 15), ("umbrella", 12), ("hooli", 8)]

    static let report: [RunKind.Step] = [
        .init(
            id: "render", provider: "template", with: ["template": "Weekly report for run {{input.run}}"],
            output: ["text": "Weekly report for run @@RUNID@@"], ms: 1),
        .init(id: "count", provider: "transform", with: ["op": "wordCount", "value": "{{steps.render.output.text}}"], output: ["value": 5], ms: 0),
        .init(id: "save", provider: "artifact", with: ["name": "report.txt", "content": "{{steps.render.output.text}}"], output: nil, ms: 2),
    ]

    static let ingest: [RunKind.Step] = [
        .init(
            id: "fetch", provider: "exec", with: ["command": "fetch-feed", "args": ["--tenant", "{{labels.tenant}}"]],
            options: ["timeoutMs": 2000, "retry": ["maxAttempts": 2, "backoffMs": 250]],
            output: ["items": 42, "etag": "W/\"5e3a-1c\"", "source": "https://feeds.example.com/@@TENANT@@/daily.json"], ms: 180,
            stderr: "curl: (22) The requested URL returned error: 503\n"),
        .init(
            id: "parse", provider: "transform", with: ["op": "pick", "value": "{{steps.fetch.output}}", "path": "items"],
            output: ["value": 42], ms: 1),
        .init(
            id: "publish", provider: "echo", with: ["channel": "ops-@@TENANT@@", "items": "{{steps.parse.output.value}}"],
            output: ["channel": "ops-@@TENANT@@", "items": 42], ms: 0),
    ]

    static let summarize: [RunKind.Step] = [
        .init(
            id: "prompt", provider: "template", with: ["template": "Summarize this week's tickets for {{labels.tenant}} in three lines."],
            output: ["text": "Summarize this week's tickets for @@TENANT@@ in three lines."], ms: 0),
        .init(
            id: "answer", provider: "llm", with: ["model": "stub-small", "prompt": "{{steps.prompt.output.text}}", "maxTokens": 64],
            options: ["retry": ["maxAttempts": 3, "backoffMs": 200]],
            output: [
                "model": "stub-small", "text": "[stub-small 6c1f9a2e] Summarize this week's tickets for @@TENANT@@ in three lines.",
                "usage": ["completionTokens": 11, "promptTokens": 11],
            ], ms: 35),
        .init(
            id: "deliver", provider: "echo", with: ["to": "@@TENANT@@-leads", "text": "{{steps.answer.output.text}}"],
            output: ["to": "@@TENANT@@-leads", "text": "[stub-small 6c1f9a2e] Summarize this week's tickets for @@TENANT@@ in three lines."], ms: 0),
    ]

    static let kinds: [RunKind] = [
        kind("report", "2", report, .succeeded, 1000),
        kind("ingest", "3", ingest, .succeeded, 4400),
        kind("summarize", "1", summarize, .succeeded, 3600),
        kind(
            "ingest", "3", ingest,
            .failed(
                step: 0, failure: StepFailure(.execExit, "'fetch-feed' exited with status 22: curl: (22) The requested URL returned error: 503"),
                retries: 0, ms: 240),
            300),
        kind(
            "ingest", "3", ingest,
            .failed(step: 0, failure: StepFailure(.stepTimeout, "attempt 2 ran longer than the step's 2000 ms limit"), retries: 1, ms: 2000), 150),
        kind(
            "ingest", "3", ingest,
            .failed(step: 1, failure: StepFailure(.transformError, "pick: 'items' is not in the value (it has: error, status)"), retries: 0, ms: 1),
            150),
        kind(
            "summarize", "1", summarize,
            .failed(step: 1, failure: StepFailure(.rateLimited, "model 'stub-small' is rate limited (simulated); try again"), retries: 2, ms: 3), 150),
        kind(
            "report", "2", report,
            .failed(
                step: 2, failure: StepFailure(.artifactError, "cannot write artifacts/@@RUNID@@/report.txt: No space left on device"), retries: 0,
                ms: 1),
            50),
        kind("ingest", "3", ingest, .cancelled(step: 0, by: "ops", afterMs: 90), 120),
        kind("summarize", "1", summarize, .cancelled(step: 1, by: "ops", afterMs: 20), 80),
    ]

    private static func kind(_ workflow: String, _ version: String, _ steps: [RunKind.Step], _ outcome: RunKind.Outcome, _ weight: Int) -> RunKind {
        RunKind(workflow: workflow, version: version, steps: steps, input: ["run": "@@RUNID@@"], outcome: outcome, weight: weight)
    }

    /// Timing variants: every kind is written at these scales of its steps' times (so durations differ from run to run).
    static let scales: [Double] = [0.5, 0.8, 1.0, 1.3, 1.8, 3.0]
}
