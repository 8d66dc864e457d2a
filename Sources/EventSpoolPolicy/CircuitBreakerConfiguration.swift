/// When a circuit breaker opens, and for how long the publisher's stays open.
///
/// The publisher and the sweeper use one breaker with one rule: a retryable failure or an endpoint that is
/// gone (410) counts, a delivery or a permanent failure closes the circuit. The publisher's (`circuitBreaker.*`)
/// spools without sending while open; the sweeper's (`sweeper.circuitBreakerThreshold`) ends the pass.
public struct CircuitBreakerConfiguration: Sendable, Hashable {
    /// Consecutive failures that open the circuit; 0 disables the breaker.
    public var failureThreshold: Int
    /// How long the circuit stays open before one probe is let through.
    public var breakDuration: Duration

    public init(failureThreshold: Int = 5, breakDuration: Duration = .seconds(30)) {
        self.failureThreshold = failureThreshold
        self.breakDuration = breakDuration
    }
}
