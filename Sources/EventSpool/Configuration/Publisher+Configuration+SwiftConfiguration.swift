public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension Publisher.Configuration {
    /// Creates a publisher configuration from `config`, read from the root of the key space.
    ///
    /// ## Configuration keys
    /// - `broker` (scoped, required): The broker events are sent to, read by
    ///   ``BrokerConfiguration/init(config:)`` (`broker.url` is required).
    /// - `secondaryBroker` (scoped, optional): A broker tried when the first fails, read by
    ///   ``BrokerConfiguration/init(config:)`` when `secondaryBroker.url` is set and not empty.
    /// - `spool` (scoped, required): Where events go when no broker takes them, read by
    ///   ``SpoolConfiguration/init(config:)`` (`spool.directory` is required).
    /// - `publisher.mode` (string, optional, default: `fallback`): `fallback` (send, spool on failure) or
    ///   `writeAhead` (spool first, send, remove on 2xx).
    /// - `publisher.maxBodyBytes` (int, optional, default: `1048576`): The largest event body accepted.
    /// - `publisher.shutdownTimeout` (duration, optional, default: `10s`): The longest shutdown waits for
    ///   in-flight publishes.
    /// - `circuitBreaker` (scoped): Read by ``CircuitBreakerConfiguration/init(config:)``.
    /// - `classification` (scoped): Read by ``DeliveryClassification/init(config:)``.
    /// - `retry` (scoped): Read by ``RetryPolicy/init(config:)``; sets the first next-attempt time.
    ///
    /// - Parameter config: The reader at the root of the EventSpool keys.
    /// - Throws: ``ConfigurationError`` naming the full key when a required key is missing or a value is
    ///   unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let publisher = config.scoped(to: "publisher")
        let modeName = publisher.text("mode", default: Publisher.Mode.fallback.description)
        guard let mode = Publisher.Mode(modeName) else {
            throw ConfigurationError(key: "publisher.mode", found: "'\(modeName)'", expected: "fallback or writeAhead")
        }
        let defaults = Publisher.Configuration(
            broker: BrokerConfiguration(url: ""),
            spool: SpoolConfiguration(directory: "")
        )
        self.init(
            broker: try config.reading("broker") { config throws(ConfigurationError) in
                try BrokerConfiguration(config: config)
            },
            secondaryBroker: try config.optionalBroker("secondaryBroker"),
            spool: try config.reading("spool") { config throws(ConfigurationError) in
                try SpoolConfiguration(config: config)
            },
            mode: mode,
            circuitBreaker: try config.reading("circuitBreaker") { config throws(ConfigurationError) in
                try CircuitBreakerConfiguration(config: config)
            },
            classification: try config.reading("classification") { config throws(ConfigurationError) in
                try DeliveryClassification(config: config)
            },
            retry: try config.reading("retry") { config throws(ConfigurationError) in try RetryPolicy(config: config) },
            maxBodyBytes: try config.reading("publisher") { config throws(ConfigurationError) in
                try config.integer("maxBodyBytes", default: defaults.maxBodyBytes, minimum: 1)
            },
            shutdownTimeout: try config.reading("publisher") { config throws(ConfigurationError) in
                try config.duration("shutdownTimeout", default: defaults.shutdownTimeout)
            }
        )
    }
}
