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
        let firstOpens = breaker.record(outcome, now: start)
        #expect(!firstOpens)
        #expect(!breaker.isOpen)
        let secondOpens = breaker.record(outcome, now: start)
        #expect(secondOpens, "the second failure in a row opens the circuit")
        #expect(breaker.isOpen)
    }

    @Test(arguments: [DeliveryResult.Outcome.delivered, .permanent])
    func aDeliveryAndAPermanentFailureCloseTheCircuit(outcome: DeliveryResult.Outcome) {
        var breaker = CircuitBreaker(configuration: CircuitBreakerConfiguration(failureThreshold: 2))
        breaker.record(.endpointGone, now: start)
        breaker.record(outcome, now: start)
        let opensAgain = breaker.record(.retryable(retryAfter: nil), now: start)
        #expect(!opensAgain, "the count started again")
        #expect(!breaker.isOpen)
    }

    @Test func anOpenCircuitRejectsUntilTheBreakEndsThenLetsOneProbeThrough() {
        var breaker = CircuitBreaker(
            configuration: CircuitBreakerConfiguration(failureThreshold: 1, breakDuration: .seconds(30))
        )
        let opens = breaker.record(.endpointGone, now: start)
        #expect(opens)
        let beforeTheBreakEnds = breaker.decide(now: start.addingTimeInterval(29))
        #expect(beforeTheBreakEnds == .reject)
        let whenItEnds = breaker.decide(now: start.addingTimeInterval(30))
        #expect(whenItEnds == .probe)
        let duringTheProbe = breaker.decide(now: start.addingTimeInterval(30))
        #expect(duringTheProbe == .reject, "one probe at a time")
        breaker.record(.delivered, now: start.addingTimeInterval(31))
        let afterTheProbe = breaker.decide(now: start.addingTimeInterval(31))
        #expect(afterTheProbe == .send)
    }

    @Test func aThresholdOfZeroNeverOpens() {
        var breaker = CircuitBreaker(configuration: CircuitBreakerConfiguration(failureThreshold: 0))
        for _ in 0..<100 {
            let opens = breaker.record(.retryable(retryAfter: nil), now: start)
            #expect(!opens)
        }
        let decision5 = breaker.decide(now: start)
        #expect(decision5 == .send)
    }
}
