public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension CircuitBreakerConfiguration {
    /// Creates a circuit breaker configuration from `config`, scoped to its keys (`circuitBreaker`).
    ///
    /// ## Configuration keys
    /// - `failureThreshold` (int, optional, default: `5`): Consecutive retryable failures that open the
    ///   circuit; `0` disables the breaker.
    /// - `breakDuration` (duration, optional, default: `30s`): How long the circuit stays open before one
    ///   probe is let through.
    ///
    /// - Parameter config: The reader, scoped to the breaker's keys.
    /// - Throws: ``ConfigurationError`` naming the key when a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let defaults = CircuitBreakerConfiguration()
        self.init(
            failureThreshold: try config.integer("failureThreshold", default: defaults.failureThreshold),
            breakDuration: try config.duration("breakDuration", default: defaults.breakDuration)
        )
    }
}
