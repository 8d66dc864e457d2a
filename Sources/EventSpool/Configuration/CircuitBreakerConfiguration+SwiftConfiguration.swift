public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension CircuitBreakerConfiguration {
    /// Creates a circuit breaker configuration from `config`, scoped to its keys (`circuitBreaker`).
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `failureThreshold` (consecutive retryable failures that open the circuit; `0`
    /// disables the breaker) and `breakDuration` (how long it stays open before one probe is let through). Their
    /// types, defaults and ranges are the configuration schema's, listed in the README's configuration table.
    ///
    /// - Parameter config: The reader, scoped to the breaker's keys.
    /// - Throws: ``ConfigurationError`` naming the key when a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            failureThreshold: try config.integer(Key.failureThreshold),
            breakDuration: try config.duration(Key.breakDuration)
        )
    }
}
