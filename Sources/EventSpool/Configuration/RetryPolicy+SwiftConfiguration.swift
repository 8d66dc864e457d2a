public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension RetryPolicy {
    /// Creates a retry policy from `config`, scoped to the policy's keys (`retry`).
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `baseDelay` (the wait after the first failed attempt), `multiplier` (each further wait
    /// is this many times the previous one), `maxDelay` (the longest wait), `jitter` (the random spread of each
    /// wait, as a fraction), `maxAttempts` and `maxAge` (after which an event is given up). Types, defaults and
    /// ranges: the README's configuration table.
    ///
    /// - Parameter config: The reader, scoped to the policy's keys.
    /// - Throws: ``ConfigurationError`` naming the key when a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            baseDelay: try config.duration(Key.baseDelay),
            multiplier: try config.number(Key.multiplier),
            maxDelay: try config.duration(Key.maxDelay),
            jitter: try config.number(Key.jitter),
            maxAttempts: try config.integer(Key.maxAttempts),
            maxAge: try config.duration(Key.maxAge)
        )
    }
}
