import EventSpoolModel
import EventSpoolStorage

/// A backlog past an alert threshold after a sweep: events wait too long, or `pending/` nears a limit.
///
/// A broker that stays down keeps every sweep quiet until events are given up, three days later by
/// default; an alert speaks up while there is still time. ``breaches(report:pending:limits:thresholds:)``
/// decides, from the report and what `pending/` holds, without any I/O. The rest of the alert is the
/// evidence a person needs: what waits against the limits, how old the oldest event is, why the last
/// attempts failed, and where they went. `spoolctl sweep` prints it and exits 69 (`docs/operations.md`).
public struct SweepAlert: Sendable, Hashable {
    /// The thresholds passed, in the order oldest pending, pending objects, pending bytes.
    public internal(set) var breaches: [Breach]
    /// Events left in `pending/` after the pass.
    public internal(set) var pendingEvents: Int
    /// What `pending/` holds, as the limits count it.
    package internal(set) var pending: SpoolOccupancy
    /// The spool's limits.
    package internal(set) var limits: SpoolConfiguration.Limits
    /// The age of the oldest event left in `pending/`.
    public internal(set) var oldestPendingAge: Duration?
    /// How long until the oldest pending object's next attempt (zero when it is due).
    public internal(set) var oldestNextAttemptIn: Duration?
    /// The last errors, distinct, most telling first: the broker's 410 in this pass, then the last errors
    /// recorded in the oldest pending objects (which a pass attempts first). At most ``maxErrors``.
    public internal(set) var lastErrors: [AttemptError]
    /// The broker's URL, without credentials.
    public internal(set) var endpoint: String

    /// The most errors an alert lists.
    static let maxErrors = 3

    init(
        breaches: [Breach],
        pendingEvents: Int,
        pending: SpoolOccupancy,
        limits: SpoolConfiguration.Limits,
        oldestPendingAge: Duration?,
        oldestNextAttemptIn: Duration?,
        lastErrors: [AttemptError],
        endpoint: String
    ) {
        self.breaches = breaches
        self.pendingEvents = pendingEvents
        self.pending = pending
        self.limits = limits
        self.oldestPendingAge = oldestPendingAge
        self.oldestNextAttemptIn = oldestNextAttemptIn
        self.lastErrors = lastErrors
        self.endpoint = endpoint
    }

    /// The thresholds `report` and `pending` are past: the whole decision, with no I/O.
    ///
    /// A pass that did not run (another sweeper held the lock) and a replay never alert. The comparisons
    /// are "at or past": an oldest pending event as old as `oldestPending`, or `pending/` holding
    /// `pendingObjects` × `spool.maxObjects` objects, alerts. A threshold of zero is off.
    ///
    /// - Parameters:
    ///   - report: The finished sweep: its ``SweepReport/oldestPendingAge``.
    ///   - pending: What `pending/` holds after the pass (``DirectorySpool/occupancy(of:)``).
    ///   - limits: The spool's limits, against which the fractions are taken.
    ///   - thresholds: The alert thresholds (`sweeper.alert.*`).
    /// - Returns: The thresholds passed; empty when all is under.
    static func breaches(
        report: SweepReport,
        pending: SpoolOccupancy,
        limits: SpoolConfiguration.Limits,
        thresholds: Thresholds
    ) -> [Breach] {
        guard report.kind == .sweep, !report.lockHeld else { return [] }
        var breaches: [Breach] = []
        if thresholds.oldestPending > .zero, let age = report.oldestPendingAge, age >= thresholds.oldestPending {
            breaches.append(Breach(.oldestPending, value: age.seconds, setting: thresholds.oldestPending.seconds))
        }
        let objects = fraction(Double(pending.objects), of: Double(limits.maxObjects))
        if thresholds.pendingObjects > 0, objects >= thresholds.pendingObjects {
            breaches.append(Breach(.pendingObjects, value: objects, setting: thresholds.pendingObjects))
        }
        let bytes = fraction(Double(pending.bytes), of: Double(limits.maxBytes))
        if thresholds.pendingBytes > 0, bytes >= thresholds.pendingBytes {
            breaches.append(Breach(.pendingBytes, value: bytes, setting: thresholds.pendingBytes))
        }
        return breaches
    }

    /// `part / whole`; a limit of zero or less is full as soon as anything is there.
    static func fraction(_ part: Double, of whole: Double) -> Double {
        guard whole > 0 else { return part > 0 ? 1 : 0 }
        return part / whole
    }
}

extension SweepAlert {
    /// The thresholds past which a sweep alerts; zero turns one off.
    public struct Thresholds: Sendable, Hashable {
        /// Alert when the oldest pending event is at least this old (`sweeper.alert.oldestPending`).
        public var oldestPending: Duration
        /// Alert when `pending/` holds at least this fraction of `spool.maxObjects` objects
        /// (`sweeper.alert.pendingObjects`).
        public var pendingObjects: Double
        /// Alert when `pending/` holds at least this fraction of `spool.maxBytes` bytes
        /// (`sweeper.alert.pendingBytes`).
        public var pendingBytes: Double

        /// Creates thresholds; the defaults alert on an event waiting an hour, or on `pending/` at 80 % of a
        /// limit (at 100 % publishes throw).
        ///
        /// An hour, because the retry schedule alone keeps events waiting: one spooled during a blip of a few
        /// minutes is retried after about 10, then 30 minutes, so a shorter default would mail about outages
        /// that are already over. Set 15 minutes where the broker is watched more closely.
        public init(oldestPending: Duration = .seconds(3600), pendingObjects: Double = 0.8, pendingBytes: Double = 0.8)
        {
            self.oldestPending = oldestPending
            self.pendingObjects = pendingObjects
            self.pendingBytes = pendingBytes
        }

        /// No alerts.
        public static let off = Thresholds(oldestPending: .zero, pendingObjects: 0, pendingBytes: 0)

        /// Whether any threshold is on.
        package var isEnabled: Bool {
            oldestPending > .zero || pendingObjects > 0 || pendingBytes > 0
        }

        /// Whether a threshold needs to know what `pending/` holds.
        package var watchesLimits: Bool {
            pendingObjects > 0 || pendingBytes > 0
        }
    }

    /// One threshold passed.
    public struct Breach: Sendable, Hashable, Codable {
        /// The threshold, named by its configuration key.
        public internal(set) var threshold: Threshold
        /// The value found: seconds for ``Threshold/oldestPending``, a fraction of the limit otherwise.
        public internal(set) var value: Double
        /// The threshold's setting, in the same unit.
        public internal(set) var setting: Double

        init(_ threshold: Threshold, value: Double, setting: Double) {
            self.threshold = threshold
            self.value = value
            self.setting = setting
        }
    }

    /// Which threshold.
    public struct Threshold: Sendable, Hashable, Codable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable, Codable {
            case oldestPending = "sweeper.alert.oldestPending"
            case pendingObjects = "sweeper.alert.pendingObjects"
            case pendingBytes = "sweeper.alert.pendingBytes"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The oldest pending event is too old.
        public static let oldestPending = Threshold(.oldestPending)
        /// `pending/` holds too many objects for `spool.maxObjects`.
        public static let pendingObjects = Threshold(.pendingObjects)
        /// `pending/` holds too many bytes for `spool.maxBytes`.
        public static let pendingBytes = Threshold(.pendingBytes)

        public init(from decoder: any Decoder) throws {
            base = try Base(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try base.encode(to: encoder)
        }

        /// The configuration key, for example `sweeper.alert.oldestPending`.
        public var description: String { base.rawValue }
    }
}
