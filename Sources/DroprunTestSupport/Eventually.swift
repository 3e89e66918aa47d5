/// Waits until `condition` holds or `seconds` of real time pass; true when it held.
///
/// For what a test cannot step by the injected clock (a runner on another task, a child process, a socket). It
/// looks every 2 ms with `Task.sleep`, never spinning on `Task.yield`: a spinning wait holds one of the pool's few
/// threads (two on CI's machine) that the code under test needs.
public func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}
