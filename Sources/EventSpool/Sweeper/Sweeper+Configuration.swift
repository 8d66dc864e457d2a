import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension Sweeper {
    /// Everything a sweeper needs: where to deliver, which spool to drain, and how to treat failures.
    public struct Configuration: Sendable, Hashable {
        /// The broker spooled events are delivered to.
        public var broker: BrokerConfiguration
        /// The broker a given-up event is offered to when ``fallback`` is ``FallbackPolicy/secondaryBroker``.
        public var secondaryBroker: BrokerConfiguration?
        /// The spool to drain.
        public var spool: SpoolConfiguration
        /// When to try a failed event again, and when to give it up.
        public var retry: RetryPolicy
        /// What happens to an event that is given up.
        public var fallback: FallbackPolicy
        /// How a broker's answer is classified.
        public var classification: DeliveryClassification
        /// The most deliveries in flight at once.
        public var concurrency: Int
        /// Consecutive failures (retryable, or the endpoint gone) after which a pass stops attempting (the broker is clearly
        /// down); 0 never stops.
        public var circuitBreakerThreshold: Int
        /// The wait between two passes of the long-running form (``Sweeper/run()``).
        public var interval: Duration
        /// Past these, a sweep's report carries a ``SweepAlert`` (``SweepReport/alert``).
        public var alert: SweepAlert.Thresholds
        /// The most event-body bytes a pass holds in objects it read and has not settled yet: past it, the pass
        /// reads no further object until one settles, so memory does not grow with the objects' size (an object
        /// larger than this is still read, alone). Not a configuration key; tests set it small.
        var maxOpenObjectBytes = 64 << 20

        /// Creates a sweeper configuration.
        ///
        /// - Parameters:
        ///   - broker: The broker spooled events are delivered to.
        ///   - secondaryBroker: The broker given-up events are offered to under ``FallbackPolicy/secondaryBroker``.
        ///   - spool: The spool to drain.
        ///   - retry: Backoff, maximum attempts and maximum age.
        ///   - fallback: What happens to a given-up event; ``FallbackPolicy/deadLetter`` by default.
        ///   - classification: How a broker's answer is classified.
        ///   - concurrency: The most deliveries in flight at once (16).
        ///   - circuitBreakerThreshold: Consecutive failures (retryable, or the endpoint gone) that end a pass early (10).
        ///   - interval: The wait between passes of ``Sweeper/run()`` (30 s).
        ///   - alert: The backlog past which a sweep alerts (an hour's wait, or 80 % of a spool limit).
        public init(
            broker: BrokerConfiguration,
            secondaryBroker: BrokerConfiguration? = nil,
            spool: SpoolConfiguration,
            retry: RetryPolicy = RetryPolicy(),
            fallback: FallbackPolicy = .deadLetter,
            classification: DeliveryClassification = DeliveryClassification(),
            concurrency: Int = 16,
            circuitBreakerThreshold: Int = 10,
            interval: Duration = .seconds(30),
            alert: SweepAlert.Thresholds = SweepAlert.Thresholds()
        ) {
            self.broker = broker
            self.secondaryBroker = secondaryBroker
            self.spool = spool
            self.retry = retry
            self.fallback = fallback
            self.classification = classification
            self.concurrency = concurrency
            self.circuitBreakerThreshold = circuitBreakerThreshold
            self.interval = interval
            self.alert = alert
        }
    }
}
