import DroprunTestSupport
import Testing

@testable import DroprunKit

/// `notifications` in `droprun.json`, and a workflow's `notify`: checked when the file is read, each problem by its path.
@Suite struct NotificationSettingsTests {
    static let endpoints =
        #"{"hooks": {"baseURL": "https://hooks.example.com"}, "readonly": {"baseURL": "https://r.example.com", "methods": ["GET"]}}"#

    func parse(_ notifications: String) throws -> Configuration {
        let text = #"{"providers": {"http": {"endpoints": \#(Self.endpoints)}}, "notifications": \#(notifications)}"#
        return try Configuration.parse(try JSONParser.parse(Array(text.utf8)), file: "droprun.json")
    }

    func problems(_ notifications: String) -> String {
        do {
            _ = try parse(notifications)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func everyMemberIsRead() throws {
        let config = try parse(
            #"{"endpoint": "hooks", "path": "/droprun/events", "on": ["waiting_approval"], "maxAttempts": 8, "backoffMs": 250}"#)
        let n = try #require(config.notifications)
        #expect(n == NotificationSettings(endpoint: "hooks", path: "/droprun/events", on: [.waitingApproval], maxAttempts: 8, backoffMs: 250))
    }

    @Test func theDefaultsAreEveryMomentFiveAttemptsAndOneSecond() throws {
        let n = try #require(try parse(#"{"endpoint": "hooks"}"#).notifications)
        #expect(n.on == [.finished, .waitingApproval])
        #expect(n.maxAttempts == 5)
        #expect(n.path == "")
        #expect([1, 2, 3, 7, 8].map(n.delayMs(afterAttempt:)) == [1000, 2000, 4000, 60_000, 60_000])
    }

    @Test(arguments: [
        (
            #"{"endpoint": "hook"}"#,
            "$.notifications.endpoint: 'hook' is not an endpoint under providers.http.endpoints; there are: hooks, readonly; did you mean 'hooks'?"
        ),
        (#"{"endpoint": "readonly"}"#, "$.notifications.endpoint: endpoint 'readonly' allows GET; a notification is a POST"),
        (#"{"path": "/x"}"#, "$.notifications.endpoint"),
        (#"{"endpoint": "hooks", "path": "../up"}"#, "$.notifications.path"),
        (#"{"endpoint": "hooks", "on": ["done"]}"#, "$.notifications.on[0]: expected one of finished, waiting_approval"),
        (#"{"endpoint": "hooks", "on": []}"#, "$.notifications.on: expected a non-empty array"),
        (#"{"endpoint": "hooks", "maxAttempts": 0}"#, "$.notifications.maxAttempts"),
        (#"{"endpoint": "hooks", "backoffMs": 600000}"#, "$.notifications.backoffMs"),
        (#"{"endpoint": "hooks", "retries": 3}"#, "$.notifications.retries"),
    ])
    func aProblemIsNamedByItsPath(_ notifications: String, _ expected: String) {
        let text = problems(notifications)
        #expect(text.contains(expected), "\(text)")
    }

    @Test func aWorkflowsNotifyIsCheckedWhenTheRequestIsDropped() throws {
        var configuration = Configuration.fastForTests
        configuration.httpEndpoints = ["hooks": HTTPEndpointSettings(baseURL: "https://hooks.example.com")]
        let decoder = RequestDecoder(configuration: configuration, registry: .builtIn)
        let request = #"{"workflow": {"name": "w", "notify": {"endpoint": "hoks", "on": ["started"]}, "steps": [{"id": "a", "provider": "echo"}]}}"#
        guard case .failure(let rejection) = decoder.decode(Array(request.utf8), fileName: "r.json") else {
            Issue.record("accepted")
            return
        }
        let text = rejection.issues.map(\.description).joined(separator: "\n")
        #expect(text.contains("$.workflow.notify.endpoint: 'hoks' is not an endpoint"), "\(text)")
        #expect(text.contains("did you mean 'hooks'?"), "\(text)")
        #expect(text.contains("$.workflow.notify.on[0]"), "\(text)")
        let good = #"{"workflow": {"name": "w", "notify": {"endpoint": "hooks", "path": "/x"}, "steps": [{"id": "a", "provider": "echo"}]}}"#
        guard case .success(.run(let run, _)) = decoder.decode(Array(good.utf8), fileName: "r.json") else {
            Issue.record("refused")
            return
        }
        #expect(run.workflow.notify == NotificationSettings(endpoint: "hooks", path: "/x"))
    }
}
