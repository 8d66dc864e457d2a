public import Configuration
import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension Sweeper.Configuration {
    /// Creates a sweeper configuration from `config`, read from the root of the key space.
    ///
    /// ## Configuration keys
    /// - `broker` (scoped, required): The broker spooled events are delivered to, read by
    ///   ``BrokerConfiguration/init(config:)`` (`broker.url` is required).
    /// - `secondaryBroker` (scoped, optional): The broker tried after retries are exhausted when
    ///   `sweeper.fallback` is `secondaryBroker`; read when `secondaryBroker.url` is set and not empty.
    /// - `spool` (scoped, required): The spool swept, read by ``SpoolConfiguration/init(config:)``.
    /// - `retry` (scoped): When to try again and when to give up, read by ``RetryPolicy/init(config:)``.
    /// - `classification` (scoped): How answers are classified, read by ``DeliveryClassification/init(config:)``.
    /// - `sweeper.concurrency` (int, optional, default: `16`): Deliveries in flight at once.
    /// - `sweeper.circuitBreakerThreshold` (int, optional, default: `10`): Consecutive retryable failures
    ///   after which a pass stops early (the broker is clearly down); `0` never stops early.
    /// - `sweeper.interval` (duration, optional, default: `30s`): The pause between passes of a long-running
    ///   sweeper.
    /// - `sweeper.fallback` (string, optional, default: `deadLetter`): What happens when retries are
    ///   exhausted: `deadLetter` (move to `dead/`) or `secondaryBroker` (try the secondary broker first).
    /// - `sweeper.alert` (scoped): The backlog past which a sweep alerts, read by
    ///   ``SweepAlert/Thresholds/init(config:)``.
    ///
    /// - Parameter config: The reader at the root of the EventSpool keys.
    /// - Throws: ``ConfigurationError`` naming the full key when a required key is missing or a value is
    ///   unusable, or when `sweeper.fallback` is `secondaryBroker` and no secondary broker is configured.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let broker = try config.reading("broker") { config throws(ConfigurationError) in
            try BrokerConfiguration(config: config)
        }
        let spool = try config.reading("spool") { config throws(ConfigurationError) in
            try SpoolConfiguration(config: config)
        }
        self.init(broker: broker, spool: spool)
        secondaryBroker = try config.optionalBroker("secondaryBroker")
        retry = try config.reading("retry") { config throws(ConfigurationError) in try RetryPolicy(config: config) }
        classification = try config.reading("classification") { config throws(ConfigurationError) in
            try DeliveryClassification(config: config)
        }
        let defaults = self
        try config.reading("sweeper") { sweeper throws(ConfigurationError) in
            concurrency = try sweeper.integer("concurrency", default: defaults.concurrency, minimum: 1)
            circuitBreakerThreshold = try sweeper.integer(
                "circuitBreakerThreshold",
                default: defaults.circuitBreakerThreshold
            )
            interval = try sweeper.duration("interval", default: defaults.interval)
            let fallbackName = sweeper.text("fallback", default: defaults.fallback.description)
            guard let policy = FallbackPolicy(fallbackName) else {
                throw ConfigurationError(
                    key: "fallback",
                    found: "'\(fallbackName)'",
                    expected: "deadLetter or secondaryBroker"
                )
            }
            fallback = policy
            alert = try sweeper.reading("alert") { config throws(ConfigurationError) in
                try SweepAlert.Thresholds(config: config)
            }
        }
        if fallback == .secondaryBroker && secondaryBroker == nil {
            throw ConfigurationError(
                key: "secondaryBroker.url",
                found: nil,
                expected: "a URL, because sweeper.fallback is secondaryBroker"
            )
        }
    }
}
