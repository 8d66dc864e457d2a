import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

public import struct Foundation.Date

/// What one sweeper pass (or replay) did, and everything in it that needs a person's attention.
///
/// This is the one place a give-up is reported: every event moved to `dead/` in the pass is listed in
/// ``givenUp`` with its id, type, age, attempts, last error and the reason. ``renderText()`` is empty when
/// nothing needs attention (cron mails any output), ``renderJSON()`` is for machines; the field names are
/// documented in `docs/sweeper.md`.
public struct SweepReport: Sendable, Hashable {
    /// At most this many given-up events and quarantined objects are listed one by one; the rest are
    /// only counted (``unlistedGivenUp``, ``unlistedQuarantined``), so a pass over a huge spool keeps
    /// flat memory. `spoolctl list --dead` shows every one of them.
    package static let maxListed = 10_000

    /// Whether the report is of a sweep or a replay.
    public internal(set) var kind: Kind
    /// Where the spool is (``Spool/location``): its directory, or for an object store `s3://bucket/prefix` (with
    /// its local last resort in parentheses).
    public internal(set) var spoolDirectory: String
    /// When the pass started (wall clock).
    public internal(set) var startedAt: Date
    /// How long the pass took.
    public internal(set) var duration: Duration
    /// Another sweeper held the spool's lock: this pass did nothing.
    public internal(set) var lockHeld: Bool
    /// A replay that only looked (`--dry-run`): nothing was sent or changed.
    public internal(set) var dryRun: Bool

    /// Events delivered to the broker (and removed from the spool).
    public internal(set) var delivered: Int
    /// Events a ``FallbackPolicy/secondaryBroker`` fallback delivered to the secondary broker.
    public internal(set) var deliveredToSecondary: Int
    /// Events that were due but stay pending: they failed with a retryable error or the endpoint is gone
    /// (attempt recorded), were held back behind an earlier event of their ordering key, or were not
    /// attempted because the pass stopped early.
    public internal(set) var deferred: Int
    /// Events not attempted because their next attempt is later.
    public internal(set) var notDue: Int
    /// Events moved to `dead/` in this pass; listed in ``givenUp``.
    public internal(set) var deadLettered: Int
    /// Objects moved to `quarantine/` in this pass; listed in ``quarantinedObjects``.
    public internal(set) var quarantined: Int
    /// Objects that could not be read because of an I/O error; left where they are for the next pass.
    public internal(set) var unreadable: Int
    /// Events left in `pending/` after the pass (for a replay: selected events, and those of their ordering
    /// keys' prefixes, left where they were). Only a lower bound when ``remainingIsKnown`` is false.
    public internal(set) var remaining: Int
    /// False when the lock, a listing or the read of a pending object failed (``failure``), so that the pass did
    /// not see all of `pending/`: then ``remaining`` is not the whole count, and the report says it is unknown.
    public internal(set) var remainingIsKnown: Bool
    /// The age of the oldest event left in `pending/`, when any is left.
    public internal(set) var oldestPendingAge: Duration?
    /// Events a replay selected (every selected event is delivered, failed again or held back).
    public internal(set) var selected: Int
    /// Events a replay sent although not selected: pending events of a selected event's ordering key that are
    /// earlier than it (its key's prefix), sent first so that it does not overtake them.
    public internal(set) var orderingPrefix: Int
    /// Event ids or object keys a replay was asked for but did not find.
    public internal(set) var missing: [String]
    /// Replay: dead events that failed again and stay in `dead/`.
    public internal(set) var failedAgain: Int
    /// Replay: every selected event that was not delivered, and why (at most ``maxListed``); those given up
    /// are in ``givenUp`` instead.
    public internal(set) var notDelivered: [NotDelivered]
    /// Replay: events not delivered beyond ``maxListed``, counted only.
    public internal(set) var unlistedNotDelivered: Int

    /// The broker answered that the endpoint is gone (410): the pass stopped, events stay pending.
    public internal(set) var endpointGone: Bool
    /// The broker's answer when the endpoint is gone.
    public internal(set) var endpointError: AttemptError?
    /// Why the pass stopped before the end of the spool, if it did.
    public internal(set) var stoppedEarly: StopReason?
    /// The first spool error that needs a person, if there was one: the lock or the listing failed (the
    /// pass did not cover the spool), or a write did (given-up events could not be written to `dead/` and
    /// stay pending; or an object could not be updated after delivery), or an object could not be read, or the
    /// ordering-key marks could not be cleared or released (an entry in `ordering/` the spool did not make keeps
    /// its key marked).
    public internal(set) var failure: String?

    /// Every event given up in this pass (at most ``maxListed``).
    public internal(set) var givenUp: [GivenUpEvent]
    /// Given-up events beyond ``maxListed``, counted only.
    public internal(set) var unlistedGivenUp: Int
    /// Every object quarantined in this pass (at most ``maxListed``).
    public internal(set) var quarantinedObjects: [QuarantinedObject]
    /// Quarantined objects beyond ``maxListed``, counted only.
    public internal(set) var unlistedQuarantined: Int
    /// The backlog left after a sweep is past an alert threshold (``Sweeper/Configuration/alert``): events
    /// wait too long or `pending/` nears a limit. `spoolctl sweep` then exits 69.
    public internal(set) var alert: SweepAlert?

    /// An empty report of a pass starting now.
    init(kind: Kind, spoolDirectory: String, startedAt: Date) {
        self.kind = kind
        self.spoolDirectory = spoolDirectory
        self.startedAt = startedAt
        self.duration = .zero
        self.lockHeld = false
        self.dryRun = false
        self.delivered = 0
        self.deliveredToSecondary = 0
        self.deferred = 0
        self.notDue = 0
        self.deadLettered = 0
        self.quarantined = 0
        self.unreadable = 0
        self.remaining = 0
        self.remainingIsKnown = true
        self.oldestPendingAge = nil
        self.selected = 0
        self.orderingPrefix = 0
        self.missing = []
        self.failedAgain = 0
        self.notDelivered = []
        self.unlistedNotDelivered = 0
        self.endpointGone = false
        self.endpointError = nil
        self.stoppedEarly = nil
        self.failure = nil
        self.givenUp = []
        self.unlistedGivenUp = 0
        self.quarantinedObjects = []
        self.unlistedQuarantined = 0
        self.alert = nil
    }

    /// Whether something needs a person: an event given up, an object quarantined, the endpoint gone,
    /// or a spool error (``failure``). `spoolctl sweep` exits 1 when this is true.
    public var needsAttention: Bool {
        deadLettered > 0 || quarantined > 0 || endpointGone || failure != nil
    }

    /// Notes one event moved to `dead/`: counts it and lists it while the list is under ``maxListed``.
    mutating func recordGivenUp(_ event: GivenUpEvent) {
        deadLettered += 1
        if givenUp.count < Self.maxListed {
            givenUp.append(event)
        } else {
            unlistedGivenUp += 1
        }
    }

    /// Notes one object moved to `quarantine/`: counts it and lists it while the list is under ``maxListed``.
    mutating func recordQuarantined(_ object: QuarantinedObject) {
        quarantined += 1
        if quarantinedObjects.count < Self.maxListed {
            quarantinedObjects.append(object)
        } else {
            unlistedQuarantined += 1
        }
    }
}

extension SweepReport {
    /// A sweep (cron or service) or an operator's replay.
    public struct Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable, Codable {
            case sweep
            case replay
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A pass that honours backoff and applies the fallback policy.
        public static let sweep = Kind(.sweep)
        /// An operator's replay: delivers now, ignoring backoff; failures go back where they were.
        public static let replay = Kind(.replay)

        public init(from decoder: any Decoder) throws {
            base = try Base(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try base.encode(to: encoder)
        }

        public var description: String { base.rawValue }
    }

    /// Why a pass stopped before the end of the spool.
    public struct StopReason: Sendable, Hashable, Codable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable, Codable {
            case deadline
            case circuitOpen
            case endpointGone
            case shutdown
            case leaseLost
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The pass reached its deadline (`--max-time`).
        public static let deadline = StopReason(.deadline)
        /// Too many consecutive retryable failures: the broker is clearly down.
        public static let circuitOpen = StopReason(.circuitOpen)
        /// The broker answered 410 Gone.
        public static let endpointGone = StopReason(.endpointGone)
        /// The service is shutting down (or the task was cancelled).
        public static let shutdown = StopReason(.shutdown)
        /// The sweeper's lease on the spool was lost (not renewed in time, or taken over): another sweeper may
        /// be working on the spool, so this one stopped delivering and writing.
        public static let leaseLost = StopReason(.leaseLost)

        public init(from decoder: any Decoder) throws {
            base = try Base(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try base.encode(to: encoder)
        }

        public var description: String {
            switch base {
            case .deadline: "deadline reached"
            case .circuitOpen: "circuit open (broker down)"
            case .endpointGone: "endpoint gone"
            case .shutdown: "shutting down"
            case .leaseLost: "sweeper lease lost"
            }
        }
    }

    /// One event given up in a pass and moved to `dead/`.
    public struct GivenUpEvent: Sendable, Hashable, Codable {
        /// The event id.
        public internal(set) var id: String
        /// The event type.
        public internal(set) var type: String
        /// The key of the object it was in.
        public internal(set) var key: String
        /// How long it was in the spool.
        public internal(set) var age: Duration
        /// Delivery attempts made, by the publisher and sweepers.
        public internal(set) var attempts: Int
        /// The last attempt's error: status and the first line of the body, or the transport error.
        public internal(set) var lastError: AttemptError?
        /// Why it was given up.
        public internal(set) var reason: String

        init(
            id: String,
            type: String,
            key: String,
            age: Duration,
            attempts: Int,
            lastError: AttemptError?,
            reason: String
        ) {
            self.id = id
            self.type = type
            self.key = key
            self.age = age
            self.attempts = attempts
            self.lastError = lastError
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case id, type, key, ageSeconds, attempts, lastError, reason
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            type = try container.decode(String.self, forKey: .type)
            key = try container.decode(String.self, forKey: .key)
            age = .seconds(saturating: try container.decode(Double.self, forKey: .ageSeconds))
            attempts = try container.decode(Int.self, forKey: .attempts)
            lastError = try container.decodeIfPresent(AttemptError.self, forKey: .lastError)
            reason = try container.decode(String.self, forKey: .reason)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(type, forKey: .type)
            try container.encode(key, forKey: .key)
            try container.encode(age.seconds, forKey: .ageSeconds)
            try container.encode(attempts, forKey: .attempts)
            try container.encodeIfPresent(lastError, forKey: .lastError)
            try container.encode(reason, forKey: .reason)
        }
    }

    /// One object moved to `quarantine/` in a pass.
    public struct QuarantinedObject: Sendable, Hashable, Codable {
        /// The object's key.
        public internal(set) var key: String
        /// Where it was before (`pending` or `dead`).
        public internal(set) var from: String
        /// Why it could not be used, naming the path.
        public internal(set) var reason: String
        /// Its key in `quarantine/`: ``key``, or `<key>~2`, `<key>~3`, … when a damaged object of that key was
        /// already there.
        public internal(set) var quarantineKey: String

        init(key: String, from: String, reason: String, quarantineKey: String? = nil) {
            self.key = key
            self.from = from
            self.reason = reason
            self.quarantineKey = quarantineKey ?? key
        }
    }
}
