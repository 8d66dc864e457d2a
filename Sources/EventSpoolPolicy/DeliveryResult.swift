import EventSpoolModel

/// What one delivery attempt came to, classified (see ``DeliveryClassification``).
public struct DeliveryResult: Sendable, Hashable {
    /// The classes of result the publisher and the sweeper act on.
    public enum Outcome: Sendable, Hashable {
        /// A 2xx answer: the broker has the event.
        case delivered
        /// Worth trying again later: 408, 425, 429, 5xx (but 501), timeouts, connection errors.
        /// `retryAfter` is the broker's `Retry-After`, parsed and capped, when it sent one.
        case retryable(retryAfter: Duration?)
        /// Will not succeed by retrying: other 4xx, 501, 3xx.
        case permanent
        /// 410 Gone: the endpoint no longer exists.
        case endpointGone
    }

    /// The class of the result.
    public let outcome: Outcome
    /// The HTTP status, when the broker answered.
    public let status: Int?
    /// Why the attempt failed (status and the first line of the body, or the transport error);
    /// `nil` when delivered.
    public let error: AttemptError?
    /// How long the attempt took.
    public let duration: Duration

    package init(outcome: Outcome, status: Int?, error: AttemptError?, duration: Duration) {
        self.outcome = outcome
        self.status = status
        self.error = error
        self.duration = duration
    }

    /// Whether the broker took the event.
    public var isDelivered: Bool { outcome == .delivered }

    /// Why the attempt failed, as it is recorded with the event: ``error``, which classification sets for
    /// every result that is not delivered (the one place that says so otherwise).
    package var failure: AttemptError {
        error ?? AttemptError(status: status, message: "not delivered")
    }
}
