// PLACEHOLDER written on the `cli` branch so that spoolctl compiles before the sweeper lands; it follows the
// signatures announced for the `sweeper` branch. Delete this file when merging the real Sweeper.
public import Logging

/// Delivers what waits in a spool (placeholder).
public final class Sweeper: Sendable {
    /// Everything a sweeper needs.
    public struct Configuration: Sendable, Hashable {
        public var broker: BrokerConfiguration
        public var secondaryBroker: BrokerConfiguration?
        public var spool: SpoolConfiguration
        public var retry: RetryPolicy
        public var fallback: FallbackPolicy
        public var classification: DeliveryClassification
        public var concurrency: Int
        public var circuitBreakerThreshold: Int
        public var interval: Duration

        public init(
            broker: BrokerConfiguration,
            secondaryBroker: BrokerConfiguration? = nil,
            spool: SpoolConfiguration,
            retry: RetryPolicy = RetryPolicy(),
            fallback: FallbackPolicy = .deadLetter,
            classification: DeliveryClassification = DeliveryClassification(),
            concurrency: Int = 16,
            circuitBreakerThreshold: Int = 10,
            interval: Duration = .seconds(60)
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
        }
    }

    public convenience init(configuration: Configuration, clock: any WallClock = SystemWallClock(), logger: Logger) throws {
        self.init()
    }

    private init() {}

    public func sweep(deadline: ContinuousClock.Instant?) async -> SweepReport {
        preconditionFailure("Sweeper is not merged yet")
    }

    public func replay(
        _ selection: ReplaySelection,
        dryRun: Bool,
        progress: (@Sendable (ReplayProgress) -> Void)?
    ) async -> SweepReport {
        preconditionFailure("Sweeper is not merged yet")
    }

    public func shutdown() async {}
}

/// What happens when retries are exhausted (placeholder).
public struct FallbackPolicy: Sendable, Hashable, CustomStringConvertible {
    private enum Base: String, Sendable, Hashable {
        case deadLetter
        case secondaryBroker
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    public static let deadLetter = FallbackPolicy(.deadLetter)
    public static let secondaryBroker = FallbackPolicy(.secondaryBroker)

    public var description: String { base.rawValue }
}

/// Which events a replay delivers (placeholder).
public struct ReplaySelection: Sendable, Hashable {
    public enum Scope: Sendable, Hashable {
        case ids([String])
        case allPending
        case dead
    }

    public var scope: Scope
    public var type: String?

    public init(scope: Scope, type: String? = nil) {
        self.scope = scope
        self.type = type
    }
}

/// How far a replay is (placeholder).
public struct ReplayProgress: Sendable, Hashable {
    public var done: Int
    public var total: Int
}

/// What one pass did (placeholder).
public struct SweepReport: Sendable, Codable, Hashable {
    public var delivered = 0
    public var deferred = 0
    public var deadLettered = 0
    public var quarantined = 0
    public var remaining = 0
    public var lockHeld = false
    public var endpointGone = false

    public var needsAttention: Bool { deadLettered > 0 || quarantined > 0 || endpointGone }

    public func renderText() -> String { needsAttention ? "given up: \(deadLettered)\n" : "" }

    public func renderJSON() -> String { "{}" }
}
