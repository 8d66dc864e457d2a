public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension RetryPolicy {
    /// Creates a retry policy from `config`, scoped to the policy's keys (`retry`).
    ///
    /// ## Configuration keys
    /// - `baseDelay` (duration, optional, default: `5s`): The wait after the first failed attempt.
    /// - `multiplier` (double, optional, default: `3`): Each further wait is this many times the previous
    ///   one (1 to 100).
    /// - `maxDelay` (duration, optional, default: `6h`): The longest wait between two attempts.
    /// - `jitter` (double, optional, default: `0.2`): The random spread of each wait, as a fraction (0 to 1).
    /// - `maxAttempts` (int, optional, default: `20`): Attempts after which an event is given up.
    /// - `maxAge` (duration, optional, default: `3d`): Age in the spool after which an event is given up.
    ///
    /// - Parameter config: The reader, scoped to the policy's keys.
    /// - Throws: ``ConfigurationError`` naming the key when a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let defaults = RetryPolicy()
        self.init(
            baseDelay: try config.duration("baseDelay", default: defaults.baseDelay),
            multiplier: try config.number("multiplier", default: defaults.multiplier, in: 1...100),
            maxDelay: try config.duration("maxDelay", default: defaults.maxDelay),
            jitter: try config.number("jitter", default: defaults.jitter, in: 0...1),
            maxAttempts: try config.integer("maxAttempts", default: defaults.maxAttempts, minimum: 1),
            maxAge: try config.duration("maxAge", default: defaults.maxAge)
        )
    }
}
