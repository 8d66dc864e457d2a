public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension DeliveryClassification {
    /// Creates a delivery classification from `config`, scoped to its keys (`classification`).
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `retryableStatuses` (retried later), `goneStatuses` (the endpoint no longer exists:
    /// the sweeper stops its pass and reports), `maxRetryAfter` (the longest `Retry-After` honoured) and
    /// `defaultRetryAfter` (the wait when `Retry-After` cannot be parsed). Every other status that is not 2xx is
    /// permanent: the event is dead-lettered. Types, defaults and ranges: the README's configuration table.
    ///
    /// - Parameter config: The reader, scoped to the classification's keys.
    /// - Throws: ``ConfigurationError`` naming the key when a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            retryableStatuses: Set(try config.integers(Key.retryableStatuses)),
            goneStatuses: Set(try config.integers(Key.goneStatuses)),
            maxRetryAfter: try config.duration(Key.maxRetryAfter),
            defaultRetryAfter: try config.duration(Key.defaultRetryAfter)
        )
    }
}
