/// How a broker's answer is classified: which statuses are retried, which mean the endpoint is gone,
/// and how `Retry-After` is bounded. Every status not named here that is not 2xx is permanent.
///
/// Placeholder with the defaults of DESIGN.md; the parsing lands with the delivery work.
public struct DeliveryClassification: Sendable, Hashable {
    /// Statuses worth retrying later.
    public var retryableStatuses: Set<Int>
    /// Statuses that mean the endpoint no longer exists.
    public var goneStatuses: Set<Int>
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    public var maxRetryAfter: Duration
    /// The wait used when `Retry-After` is present but cannot be parsed.
    public var defaultRetryAfter: Duration

    public init(
        retryableStatuses: Set<Int> = [408, 425, 429, 500, 502, 503, 504],
        goneStatuses: Set<Int> = [410],
        maxRetryAfter: Duration = .seconds(6 * 3600),
        defaultRetryAfter: Duration = .seconds(60)
    ) {
        self.retryableStatuses = retryableStatuses
        self.goneStatuses = goneStatuses
        self.maxRetryAfter = maxRetryAfter
        self.defaultRetryAfter = defaultRetryAfter
    }
}
