import Foundation
import Testing

@testable import EventSpoolPolicy

/// The one circuit breaker of the publisher and the sweeper, and its one rule for what a failure is.
@Suite struct CircuitBreakerTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: [
        DeliveryResult.Outcome.retryable(retryAfter: nil), .retryable(retryAfter: .seconds(5)), .endpointGone,
    ])
    func aRetryableFailureAndAGoneEndpointCountAsFailures(outcome: DeliveryResult.Outcome) {
        var breaker = CircuitBreaker(configuration: CircuitBreakerConfiguration(failureThreshold: 2))
        #expect(!breaker.record(outcome, now: start))
        #expect(!breaker.isOpen)
        #expect(breaker.record(outcome, now: start), "the second failure in a row opens the circuit")
        #expect(breaker.isOpen)
    }

    @Test(arguments: [DeliveryResult.Outcome.delivered, .permanent])
    func aDeliveryAndAPermanentFailureCloseTheCircuit(outcome: DeliveryResult.Outcome) {
        var breaker = CircuitBreaker(configuration: CircuitBreakerConfiguration(failureThreshold: 2))
        breaker.record(.endpointGone, now: start)
        breaker.record(outcome, now: start)
        #expect(!breaker.record(.retryable(retryAfter: nil), now: start), "the count started again")
        #expect(!breaker.isOpen)
    }

    @Test func anOpenCircuitRejectsUntilTheBreakEndsThenLetsOneProbeThrough() {
        var breaker = CircuitBreaker(
            configuration: CircuitBreakerConfiguration(failureThreshold: 1, breakDuration: .seconds(30))
        )
        #expect(breaker.record(.endpointGone, now: start))
        #expect(breaker.decide(now: start.addingTimeInterval(29)) == .reject)
        #expect(breaker.decide(now: start.addingTimeInterval(30)) == .probe)
        #expect(breaker.decide(now: start.addingTimeInterval(30)) == .reject, "one probe at a time")
        breaker.record(.delivered, now: start.addingTimeInterval(31))
        #expect(breaker.decide(now: start.addingTimeInterval(31)) == .send)
    }

    @Test func aThresholdOfZeroNeverOpens() {
        var breaker = CircuitBreaker(configuration: CircuitBreakerConfiguration(failureThreshold: 0))
        for _ in 0..<100 {
            #expect(!breaker.record(.retryable(retryAfter: nil), now: start))
        }
        #expect(breaker.decide(now: start) == .send)
    }
}
