import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import Logging

/// One delivery attempt of one spooled event, and what the retry and fallback policies make of the
/// broker's answer. This is where a sweeper decides between delivered, retry later, and give up.
///
/// It runs in a child task of a pass and touches no spool state: the pass applies the result.
struct DeliveryAttempt: Sendable {
    /// Why the event is being sent.
    enum Purpose: Sendable {
        /// A sweep: failures are retried under the retry policy, then given up to the fallback policy.
        case sweep
        /// An operator's replay: a retryable failure goes back where the event was, with the attempt recorded.
        /// A permanent failure gives a pending event up at once (it would be given up by the next sweep
        /// anyway); a dead event stays in `dead/` (`fromDead`).
        case replay(fromDead: Bool)
    }

    /// The fate of the event after this attempt.
    enum Fate: Sendable {
        /// The broker took it.
        case delivered
        /// Given up by the primary broker but taken by the secondary one.
        case deliveredToSecondary(SpooledEvent)
        /// A retryable failure: stays pending with the attempt and the next attempt time recorded.
        case deferred(SpooledEvent)
        /// The broker answered that the endpoint is gone; the event stays pending with the attempt recorded.
        case endpointGone(SpooledEvent, AttemptError)
        /// Given up: goes to `dead/`; ``DeliveryRecord/deadReason`` says why.
        case givenUp(SpooledEvent)
        /// A replay that failed: the event goes back where it was, with the attempt recorded.
        case failedAgain(SpooledEvent)
    }

    let primary: Broker
    /// Offered given-up events when the fallback policy says so.
    let secondary: Broker?
    let retry: RetryPolicy
    let fallback: FallbackPolicy
    let clock: any WallClock
    let jitter: JitterSource
    let metrics: SweeperMetrics
    let logger: Logger

    /// Sends `spooled` to the primary broker and classifies the answer.
    ///
    /// - Returns: The event's fate, and the class of the primary broker's answer (which the pass's circuit
    ///   breaker records).
    func run(_ spooled: SpooledEvent, purpose: Purpose) async -> (fate: Fate, primary: DeliveryResult.Outcome) {
        var spooled = spooled
        let attemptTime = clock.now
        let result = await primary.deliver(spooled.event)
        metrics.recordDelivery(result.duration, secondary: false)
        if result.isDelivered {
            return (fate: .delivered, primary: result.outcome)
        }
        let error = result.failure
        spooled.delivery.record(attemptAt: attemptTime, error: error)

        switch result.outcome {
        case .delivered:
            return (fate: .delivered, primary: result.outcome)

        case .retryable(let retryAfter):
            spooled.delivery.nextAttemptAt = jitter.nextAttempt(
                retry,
                after: attemptTime,
                attempts: spooled.delivery.attempts,
                retryAfter: retryAfter
            )
            guard case .sweep = purpose else {
                return (fate: .failedAgain(spooled), primary: result.outcome)
            }
            guard let exhaustion = retry.exhaustion(of: spooled.delivery, now: clock.now) else {
                return (fate: .deferred(spooled), primary: result.outcome)
            }
            return (fate: await giveUp(spooled, reason: exhaustion), primary: result.outcome)

        case .endpointGone:
            spooled.delivery.nextAttemptAt = jitter.nextAttempt(
                retry,
                after: attemptTime,
                attempts: spooled.delivery.attempts,
                retryAfter: nil
            )
            return (fate: .endpointGone(spooled, error), primary: result.outcome)

        case .permanent:
            if case .replay(fromDead: true) = purpose {
                return (fate: .failedAgain(spooled), primary: result.outcome)
            }
            // The answer itself is the last error, shown beside the reason: not repeated in it.
            return (
                fate: await giveUp(spooled, reason: "permanent failure"),
                primary: result.outcome
            )
        }
    }

    /// Applies the fallback policy to an event the primary broker will not take.
    private func giveUp(_ spooled: SpooledEvent, reason: String) async -> Fate {
        var spooled = spooled
        var reason = reason
        if fallback.triesSecondaryBroker, let secondary {
            let attemptTime = clock.now
            let result = await secondary.deliver(spooled.event)
            metrics.recordDelivery(result.duration, secondary: true)
            if result.isDelivered {
                logger.info(
                    "event given up by the broker, delivered to the secondary broker",
                    metadata: [
                        "event.id": "\(spooled.event.id)", "broker.url": "\(secondary.url)", "reason": "\(reason)",
                    ]
                )
                return .deliveredToSecondary(spooled)
            }
            let error = result.failure
            // The last error becomes the secondary broker's; the reason keeps the primary broker's answer.
            if let primaryError = spooled.delivery.lastError {
                reason += "; broker: \(primaryError.message)"
            }
            reason += "; the secondary broker failed too"
            spooled.delivery.record(attemptAt: attemptTime, error: error)
        }
        spooled.delivery.deadReason = reason
        return .givenUp(spooled)
    }
}
