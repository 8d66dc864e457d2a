import EventSpoolModel

import struct Foundation.Date

/// Stops sending to a broker that keeps failing: after `failureThreshold` consecutive failures the
/// circuit opens. The one breaker of the publisher and the sweeper, with one rule for what a failure is
/// (``record(_:now:)``); each configures its own threshold.
///
/// The publisher asks it before every send (``decide(now:)``): while open, publishes go straight to the spool
/// for `breakDuration`; then one probe is let through (half-open), which closes the circuit on success or
/// opens it again on failure. A sweeper pass only records its attempts and stops when the circuit opens.
package struct CircuitBreaker: Sendable {
    /// What a caller may do now.
    package enum Decision: Equatable {
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

    package let configuration: CircuitBreakerConfiguration
    private var state: State = .closed(consecutiveFailures: 0)

    package init(configuration: CircuitBreakerConfiguration) {
        self.configuration = configuration
    }

    /// Whether the circuit is open (no probe in flight counts as open too).
    package var isOpen: Bool {
        if case .closed = state { return false }
        return true
    }

    /// Decides whether a publish at `now` may use the network.
    package mutating func decide(now: Date) -> Decision {
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

    /// Records the classified answer of an attempt. Returns `true` when this answer opened the circuit.
    ///
    /// The one rule: a retryable failure (the broker is down, slow or overloaded) and an endpoint that is gone
    /// count as failures; a delivery and a permanent failure (the broker answered, and will answer the same
    /// to the next event) close the circuit.
    @discardableResult
    package mutating func record(_ outcome: DeliveryResult.Outcome, now: Date) -> Bool {
        switch outcome {
        case .delivered, .permanent: record(success: true, now: now)
        case .retryable, .endpointGone: record(success: false, now: now)
        }
    }

    private mutating func record(success: Bool, now: Date) -> Bool {
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
