import Synchronization

/// Holds the answers of the requests scripted ``BrokerBehavior/held(by:then:)`` until ``open()``: a test
/// looks at the world while a request is in flight — received by the broker, not yet answered — and then
/// lets it finish. No timer is involved, so the test decides when, not the clock.
///
/// ```swift
/// let gate = BrokerGate()
/// broker.enqueue(.held(by: gate, then: .status(204)))
/// async let outcome = publisher.publish(event)
/// _ = try await broker.waitForRequests(count: 1)
/// // … the request is in flight: look at the spool …
/// gate.open()
/// ```
public final class BrokerGate: Sendable {
    private struct State {
        var isOpen = false
        var waiting: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether ``open()`` was called.
    public var isOpen: Bool {
        state.withLock { $0.isOpen }
    }

    /// Lets every held request go on to its behaviour, and every later one straight through.
    public func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for action in waiting { action() }
    }

    /// Runs `action` once the gate is open: at once if it is.
    func whenOpen(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            if state.isOpen { return true }
            state.waiting.append(action)
            return false
        }
        if now { action() }
    }
}
