public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension Publisher.Configuration {
    /// Creates a publisher configuration from `config`, read from the root of the key space.
    ///
    /// ## Configuration keys
    /// - `broker` (scoped, required): read by ``BrokerConfiguration/init(config:)`` (`broker.url` is required).
    /// - `secondaryBroker` (scoped, optional): a broker tried when the first fails, read by
    ///   ``BrokerConfiguration/init(config:)`` when `secondaryBroker.url` is set and not empty.
    /// - `spool` (scoped, required): read by ``SpoolConfiguration/init(config:)``.
    /// - `publisher.*`: the keys of ``Key`` — `mode` (`fallback`: send, spool on failure; `writeAhead`: spool
    ///   first, send, remove on 2xx), `maxBodyBytes`, `shutdownTimeout`.
    /// - `circuitBreaker`, `classification`, `retry` (scoped): read by
    ///   ``CircuitBreakerConfiguration/init(config:)``, ``DeliveryClassification/init(config:)`` and
    ///   ``RetryPolicy/init(config:)`` (which sets the first next-attempt time).
    ///
    /// Every key's type, default and range is the configuration schema's, listed in the README's table.
    ///
    /// - Parameter config: The reader at the root of the EventSpool keys.
    /// - Throws: ``ConfigurationError`` naming the full key when a required key is missing or a value is
    ///   unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            broker: try config.reading(.broker) { config throws(ConfigurationError) in
                try BrokerConfiguration(config: config)
            },
            secondaryBroker: try config.optionalBroker(.secondaryBroker),
            spool: try config.reading(.spool) { config throws(ConfigurationError) in
                try SpoolConfiguration(config: config)
            },
            circuitBreaker: try config.reading(.circuitBreaker) { config throws(ConfigurationError) in
                try CircuitBreakerConfiguration(config: config)
            },
            classification: try config.reading(.classification) { config throws(ConfigurationError) in
                try DeliveryClassification(config: config)
            },
            retry: try config.reading(.retry) { config throws(ConfigurationError) in try RetryPolicy(config: config) }
        )
        try config.reading(.publisher) { publisher throws(ConfigurationError) in
            mode = try publisher.choice(Key.mode, Publisher.Mode.init)
            maxBodyBytes = try publisher.integer(Key.maxBodyBytes)
            shutdownTimeout = try publisher.duration(Key.shutdownTimeout)
        }
    }
}
