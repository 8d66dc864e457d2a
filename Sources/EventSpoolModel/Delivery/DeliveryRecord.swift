public import struct Foundation.Date

/// The delivery history of one spooled event, persisted with it so it survives restarts.
public struct DeliveryRecord: Sendable, Hashable {
    /// The most attempts kept in ``history``; older ones are dropped (``attempts`` still counts them).
    public static let maxHistory = 16
    /// The most attempts ``attempts`` counts: it stays there. A spool object that claims more (or fewer than
    /// zero) is corrupt.
    public static let maxAttempts = Int(Int32.max)
    /// The longest ``deadReason`` a spool object may hold, in UTF-8 bytes.
    public static let maxDeadReasonBytes = 4096

    /// When the event was first written to the spool.
    public var spooledAt: Date
    /// Delivery attempts made so far, by the publisher and by sweepers.
    public var attempts: Int
    /// When the first attempt was made.
    public var firstAttemptAt: Date?
    /// When the latest attempt was made.
    public var lastAttemptAt: Date?
    /// The earliest time the sweeper may try again.
    public var nextAttemptAt: Date
    /// Why the latest attempt failed, if it did.
    public var lastError: AttemptError?
    /// The latest attempts, oldest first, at most ``maxHistory``.
    public var history: [Attempt]
    /// Why the event was given up, once it is in `dead/`.
    public var deadReason: String?

    public init(
        spooledAt: Date,
        attempts: Int = 0,
        firstAttemptAt: Date? = nil,
        lastAttemptAt: Date? = nil,
        nextAttemptAt: Date? = nil,
        lastError: AttemptError? = nil,
        history: [Attempt] = [],
        deadReason: String? = nil
    ) {
        self.spooledAt = spooledAt
        self.attempts = attempts
        self.firstAttemptAt = firstAttemptAt
        self.lastAttemptAt = lastAttemptAt
        self.nextAttemptAt = nextAttemptAt ?? spooledAt
        self.lastError = lastError
        self.history = history
        self.deadReason = deadReason
    }

    /// Records one attempt and its error (or `nil` when it succeeded), keeping ``history`` bounded.
    public mutating func record(attemptAt time: Date, error: AttemptError?) {
        attempts = attempts < Self.maxAttempts ? max(0, attempts) + 1 : Self.maxAttempts
        if firstAttemptAt == nil { firstAttemptAt = time }
        lastAttemptAt = time
        lastError = error
        history.append(Attempt(time: time, error: error))
        if history.count > Self.maxHistory {
            history.removeFirst(history.count - Self.maxHistory)
        }
    }
}
