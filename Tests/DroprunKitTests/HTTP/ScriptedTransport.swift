import DroprunKit
import Foundation
import Synchronization

/// A transport that answers from a script and records what it was sent; no network.
final class ScriptedTransport: HTTPTransport {
    enum Answer: Sendable {
        case response(HTTPResponse)
        case error(HTTPTransportError)
    }

    private let state: Mutex<(answers: [Answer], sent: [HTTPRequest])>

    init(_ answers: [Answer]) { state = Mutex((answers, [])) }

    convenience init(_ responses: HTTPResponse...) { self.init(responses.map { .response($0) }) }

    var sent: [HTTPRequest] { state.withLock { $0.sent } }

    func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        let answer = state.withLock { state -> Answer in
            state.sent.append(request)
            return state.answers.isEmpty ? .error(.connection("the script has no more answers")) : state.answers.removeFirst()
        }
        switch answer {
        case .response(let response): return response
        case .error(let error): throw error
        }
    }
}
