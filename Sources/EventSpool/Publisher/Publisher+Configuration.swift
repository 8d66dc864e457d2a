import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension Publisher {
    /// Everything a publisher needs: where to send, where to spool, and how to behave when the
    /// broker fails.
    public struct Configuration: Sendable, Hashable {
        /// The broker events are sent to first.
        public var broker: BrokerConfiguration
        /// A broker tried when the first one fails, before the spool.
        public var secondaryBroker: BrokerConfiguration?
        /// Where events go when no broker takes them.
        public var spool: SpoolConfiguration
        /// Send first (`fallback`) or spool first (`writeAhead`).
        public var mode: Mode
        /// When to stop trying the broker and spool straight away.
        public var circuitBreaker: CircuitBreakerConfiguration
        /// How a broker's answer is classified.
        public var classification: DeliveryClassification
        /// Sets the first next-attempt time of a spooled event.
        public var retry: RetryPolicy
        /// The largest event body accepted.
        public var maxBodyBytes: Int
        /// The longest ``Publisher/shutdown()`` waits for in-flight publishes.
        public var shutdownTimeout: Duration

        /// Creates a publisher configuration.
        ///
        /// - Parameters:
        ///   - broker: The broker events are sent to.
        ///   - secondaryBroker: A broker tried when the first fails, before the spool.
        ///   - spool: Where events go when no broker takes them.
        ///   - mode: `fallback` (default) or `writeAhead`.
        ///   - circuitBreaker: When to stop trying the broker.
        ///   - classification: How a broker's answer is classified.
        ///   - retry: Sets the first next-attempt time of a spooled event.
        ///   - maxBodyBytes: The largest event body accepted (1 MiB by default).
        ///   - shutdownTimeout: The longest shutdown waits for in-flight publishes.
        public init(
            broker: BrokerConfiguration,
            secondaryBroker: BrokerConfiguration? = nil,
            spool: SpoolConfiguration,
            mode: Mode = .fallback,
            circuitBreaker: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
            classification: DeliveryClassification = DeliveryClassification(),
            retry: RetryPolicy = RetryPolicy(),
            maxBodyBytes: Int = Event.defaultMaxBodyBytes,
            shutdownTimeout: Duration = .seconds(10)
        ) {
            self.broker = broker
            self.secondaryBroker = secondaryBroker
            self.spool = spool
            self.mode = mode
            self.circuitBreaker = circuitBreaker
            self.classification = classification
            self.retry = retry
            self.maxBodyBytes = maxBodyBytes
            self.shutdownTimeout = shutdownTimeout
        }
    }

    /// When a publisher writes to the spool.
    public struct Mode: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case fallback
            case writeAhead
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Send first; spool only when no broker takes the event. The default.
        public static let fallback = Mode(.fallback)

        /// Spool first, then send, and remove the event from the spool after a 2xx. Survives a crash
        /// between the caller's state change and the send, like an outbox on disk, at the price of
        /// two durable writes per event.
        public static let writeAhead = Mode(.writeAhead)

        /// Parses `fallback` or `writeAhead`.
        public init?(_ name: String) {
            guard let base = Base(rawValue: name) else { return nil }
            self.base = base
        }

        public var description: String { base.rawValue }
    }
}
