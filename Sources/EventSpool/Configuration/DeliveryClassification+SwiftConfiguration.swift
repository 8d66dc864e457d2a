public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension DeliveryClassification {
    /// Creates a delivery classification from `config`, scoped to its keys (`classification`).
    ///
    /// ## Configuration keys
    /// - `retryableStatuses` (int array, optional, default: `[408, 425, 429, 500, 502, 503, 504]`): Statuses
    ///   retried later. In the environment, separated by commas.
    /// - `goneStatuses` (int array, optional, default: `[410]`): Statuses that mean the endpoint no longer
    ///   exists: the sweeper stops its pass and reports.
    /// - `maxRetryAfter` (duration, optional, default: `6h`): The longest `Retry-After` honoured.
    /// - `defaultRetryAfter` (duration, optional, default: `1m`): The wait used when `Retry-After` cannot be
    ///   parsed.
    ///
    /// Every other status that is not 2xx is permanent: the event is dead-lettered.
    ///
    /// - Parameter config: The reader, scoped to the classification's keys.
    /// - Throws: ``ConfigurationError`` naming the key when a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let defaults = DeliveryClassification()
        self.init(
            retryableStatuses: Set(
                try config.integers("retryableStatuses", default: defaults.retryableStatuses.sorted(), in: 100...599)
            ),
            goneStatuses: Set(
                try config.integers("goneStatuses", default: defaults.goneStatuses.sorted(), in: 100...599)
            ),
            maxRetryAfter: try config.duration("maxRetryAfter", default: defaults.maxRetryAfter),
            defaultRetryAfter: try config.duration("defaultRetryAfter", default: defaults.defaultRetryAfter)
        )
    }
}
