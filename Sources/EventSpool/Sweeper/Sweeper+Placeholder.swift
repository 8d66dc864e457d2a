// PLACEHOLDER written on the `cli` branch so that spoolctl compiles before the sweeper lands; it copies the
// public signatures of the `sweeper` branch (9983859). Delete this file when merging the real Sweeper.
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
            interval: Duration = .seconds(30)
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

    public convenience init(
        configuration: Configuration,
        clock: any WallClock = SystemWallClock(),
        randomNumberGenerator: (any RandomNumberGenerator & Sendable)? = nil,
        logger: Logger
    ) throws {
        self.init()
    }

    private init() {}

    public func sweep(deadline: ContinuousClock.Instant? = nil) async -> SweepReport {
        preconditionFailure("Sweeper is not merged yet")
    }

    public func replay(
        _ selection: ReplaySelection,
        dryRun: Bool = false,
        progress: (@Sendable (ReplayProgress) -> Void)? = nil
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

    public init?(_ name: String) {
        guard let base = Base(rawValue: name) else { return nil }
        self.base = base
    }

    public var description: String { base.rawValue }
}

/// Which events a replay delivers (placeholder).
public struct ReplaySelection: Sendable, Hashable {
    private let names: [String]

    public static func named(_ idsOrKeys: some Sequence<String>, type: String? = nil) -> ReplaySelection {
        ReplaySelection(names: Array(idsOrKeys))
    }
    public static func events(_ ids: some Sequence<String>, type: String? = nil) -> ReplaySelection {
        ReplaySelection(names: Array(ids))
    }
    public static func objects(_ keys: some Sequence<SpoolKey>, type: String? = nil) -> ReplaySelection {
        ReplaySelection(names: keys.map(\.rawValue))
    }
    public static func allPending(type: String? = nil) -> ReplaySelection { ReplaySelection(names: []) }
    public static func dead(type: String? = nil) -> ReplaySelection { ReplaySelection(names: []) }
}

/// How far a replay is (placeholder).
public struct ReplayProgress: Sendable, Hashable {
    public var done: Int
    public var total: Int
    public var delivered: Int
}

/// What one pass did (placeholder).
public struct SweepReport: Sendable, Hashable {
    public var lockHeld = false
    public var dryRun = false
    public var delivered = 0
    public var deferred = 0
    public var deadLettered = 0
    public var quarantined = 0
    public var selected = 0
    public var missing: [String] = []
    public var endpointGone = false
    public var failure: String?

    public var needsAttention: Bool { deadLettered > 0 || quarantined > 0 || endpointGone || failure != nil }

    public func renderText(always: Bool = false) -> String { "" }

    public func renderJSON(pretty: Bool = true) -> String { "{}" }
}
