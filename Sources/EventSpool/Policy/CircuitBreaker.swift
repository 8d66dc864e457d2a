import EventSpoolModel

import struct Foundation.Date

/// Stops sending to a broker that keeps failing: after `failureThreshold` consecutive failures the
/// circuit opens and publishes go straight to the spool for `breakDuration`; then one probe is let
/// through (half-open), which closes the circuit on success or opens it again on failure.
struct CircuitBreaker: Sendable {
    /// What a caller may do now.
    enum Decision: Equatable {
        /// Send to the broker.
        case send
        /// Send to the broker as the one half-open probe; report the result with `record`.
        case probe
        /// Do not send: spool straight away.
        case reject
    }

    private enum State: Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: Date)
        case halfOpen
    }

    let configuration: CircuitBreakerConfiguration
    private var state: State = .closed(consecutiveFailures: 0)

    init(configuration: CircuitBreakerConfiguration) {
        self.configuration = configuration
    }

    /// Whether the circuit is open (no probe in flight counts as open too).
    var isOpen: Bool {
        if case .closed = state { return false }
        return true
    }

    /// Decides whether a publish at `now` may use the network.
    mutating func decide(now: Date) -> Decision {
        switch state {
        case .closed:
            return .send
        case .open(let until):
            guard now >= until else { return .reject }
            state = .halfOpen
            return .probe
        case .halfOpen:
            return .reject
        }
    }

    /// Records the result of an attempt that `decide` allowed. Returns `true` when this result opened the circuit.
    @discardableResult
    mutating func record(success: Bool, now: Date) -> Bool {
        guard configuration.failureThreshold > 0 else { return false }
        switch (state, success) {
        case (_, true):
            state = .closed(consecutiveFailures: 0)
            return false
        case (.closed(let failures), false):
            if failures + 1 >= configuration.failureThreshold {
                state = .open(until: now.addingTimeInterval(configuration.breakDuration.seconds))
                return true
            }
            state = .closed(consecutiveFailures: failures + 1)
            return false
        case (.halfOpen, false):
            state = .open(until: now.addingTimeInterval(configuration.breakDuration.seconds))
            return true
        case (.open, false):
            // A send that started before the circuit opened: it is open already.
            return false
        }
    }
}

/// When a publisher's circuit breaker opens and for how long.
public struct CircuitBreakerConfiguration: Sendable, Hashable {
    /// Consecutive retryable failures that open the circuit; 0 disables the breaker.
    public var failureThreshold: Int
    /// How long the circuit stays open before one probe is let through.
    public var breakDuration: Duration

    public init(failureThreshold: Int = 5, breakDuration: Duration = .seconds(30)) {
        self.failureThreshold = failureThreshold
        self.breakDuration = breakDuration
    }
}
