public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension Sweeper.Configuration {
    /// Creates a sweeper configuration from `config`, read from the root of the key space.
    ///
    /// ## Configuration keys
    /// - `broker` (scoped, required): read by ``BrokerConfiguration/init(config:)`` (`broker.url` is required).
    /// - `secondaryBroker` (scoped, optional): the broker tried after retries are exhausted when
    ///   `sweeper.fallback` is `secondaryBroker`; read when `secondaryBroker.url` is set and not empty.
    /// - `spool` (scoped, required): read by ``SpoolConfiguration/init(config:)``.
    /// - `retry`, `classification` (scoped): read by ``RetryPolicy/init(config:)`` and
    ///   ``DeliveryClassification/init(config:)``.
    /// - `sweeper.*`: the keys of ``Key`` — `concurrency` (deliveries in flight at once),
    ///   `circuitBreakerThreshold` (consecutive retryable failures after which a pass stops early; `0` never),
    ///   `interval` (the pause between passes of a long-running sweeper), `fallback` (`deadLetter` or
    ///   `secondaryBroker`) — and the scope `sweeper.alert`, read by ``SweepAlert/Thresholds/init(config:)``.
    ///
    /// Every key's type, default and range is the configuration schema's, listed in the README's table.
    ///
    /// - Parameter config: The reader at the root of the EventSpool keys.
    /// - Throws: ``ConfigurationError`` naming the full key when a required key is missing or a value is
    ///   unusable, or when `sweeper.fallback` is `secondaryBroker` and no secondary broker is configured.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let broker = try config.reading(.broker) { config throws(ConfigurationError) in
            try BrokerConfiguration(config: config)
        }
        let spool = try config.reading(.spool) { config throws(ConfigurationError) in
            try SpoolConfiguration(config: config)
        }
        self.init(broker: broker, spool: spool)
        secondaryBroker = try config.optionalBroker(.secondaryBroker)
        retry = try config.reading(.retry) { config throws(ConfigurationError) in try RetryPolicy(config: config) }
        classification = try config.reading(.classification) { config throws(ConfigurationError) in
            try DeliveryClassification(config: config)
        }
        try config.reading(.sweeper) { sweeper throws(ConfigurationError) in
            concurrency = try sweeper.integer(Key.concurrency)
            circuitBreakerThreshold = try sweeper.integer(Key.circuitBreakerThreshold)
            interval = try sweeper.duration(Key.interval)
            fallback = try sweeper.choice(Key.fallback, FallbackPolicy.init)
            alert = try sweeper.reading(.alert) { config throws(ConfigurationError) in
                try SweepAlert.Thresholds(config: config)
            }
        }
        if fallback == .secondaryBroker && secondaryBroker == nil {
            let url = ConfigurationSchema.Scope.secondaryBroker.name + "." + BrokerConfiguration.Key.url.rawValue
            let fallbackKey = ConfigurationSchema.Scope.sweeper.name + "." + Key.fallback.rawValue
            throw ConfigurationError(
                key: url,
                found: nil,
                expected: "a URL, because \(fallbackKey) is secondaryBroker"
            )
        }
    }
}
