public import struct Foundation.Date

/// An event as the spool keeps it: the event itself and its delivery history.
public struct SpooledEvent: Sendable, Hashable {
    /// The event, exactly as it was published.
    public var event: Event
    /// Attempts so far, errors, and when to try next.
    public var delivery: DeliveryRecord

    public init(event: Event, delivery: DeliveryRecord) {
        self.event = event
        self.delivery = delivery
    }
}

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

/// One past delivery attempt.
public struct Attempt: Sendable, Hashable {
    /// When the attempt started.
    public var time: Date
    /// Why it failed; `nil` when it succeeded.
    public var error: AttemptError?

    public init(time: Date, error: AttemptError?) {
        self.time = time
        self.error = error
    }
}

/// Why a delivery attempt failed, short enough to store with the event and show to a person.
public struct AttemptError: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status, when the broker answered.
    public var status: Int?
    /// What went wrong, for example `HTTP 503: overloaded` or `connection refused`.
    /// At most ``maxMessageBytes`` bytes, one line.
    public var message: String

    /// The longest message kept.
    public static let maxMessageBytes = 512

    public init(status: Int?, message: String) {
        self.status = status
        self.message = Self.oneLine(message)
    }

    public var description: String { message }

    /// The first line of `text`, cut to ``maxMessageBytes`` on a character boundary.
    static func oneLine(_ text: String) -> String {
        // By scalars, not characters: "\r\n" is one character, equal to neither "\r" nor "\n".
        let end = text.unicodeScalars.firstIndex { $0 == "\n" || $0 == "\r" } ?? text.endIndex
        var line = text[..<end]
        while line.utf8.count > maxMessageBytes {
            line = line.dropLast()
        }
        return String(line)
    }
}
