import EventSpoolModel

public import struct Foundation.Date
import struct Foundation.TimeInterval

/// When to try a spooled event again, and when to give up on it.
///
/// Exponential backoff with jitter: the n-th retry waits `baseDelay × multiplier^(n-1)`, at most
/// `maxDelay`, scaled by a random factor in `1 ± jitter`. A broker's `Retry-After` is a floor.
/// The defaults follow the schedule webhook senders use — seconds, then minutes, then hours —
/// and give up after 20 attempts or 3 days, whichever comes first:
///
/// | attempt | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10–20 |
/// |---|---|---|---|---|---|---|---|---|---|---|
/// | wait after it | 5 s | 15 s | 45 s | 2¼ min | 6¾ min | 20 min | 1 h | 3 h | 6 h | 6 h |
public struct RetryPolicy: Sendable, Hashable {
    /// The wait after the first failed attempt.
    public var baseDelay: Duration
    /// Each further wait is this many times the previous one.
    public var multiplier: Double
    /// The longest wait between two attempts.
    public var maxDelay: Duration
    /// The random spread of each wait, as a fraction (0.2 = ±20 %), so retries of many events spread out.
    public var jitter: Double
    /// Attempts after which an event is given up.
    public var maxAttempts: Int
    /// Age (since the event was spooled) after which an event is given up.
    public var maxAge: Duration

    public init(
        baseDelay: Duration = .seconds(5),
        multiplier: Double = 3,
        maxDelay: Duration = .seconds(6 * 3600),
        jitter: Double = 0.2,
        maxAttempts: Int = 20,
        maxAge: Duration = .seconds(72 * 3600)
    ) {
        self.baseDelay = baseDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// The wait after `attempts` failed attempts (1 for the first), before jitter.
    public func nominalDelay(afterAttempts attempts: Int) -> Duration {
        let base = baseDelay.seconds
        let cap = maxDelay.seconds
        var delay = base
        var remaining = attempts > 1 ? attempts - 1 : 0
        // Ends once the wait stops changing, too (a multiplier of 1, or a wait that reached 0 or infinity), so
        // the loop is short even for the billions of attempts a record may count.
        while remaining > 0 && delay < cap {
            let next = delay * multiplier
            if next == delay { break }
            delay = next
            remaining -= 1
        }
        return .seconds(saturating: min(delay, cap))
    }

    /// When to attempt again after `attempts` failed attempts, the last one at `time`.
    ///
    /// - Parameters:
    ///   - time: When the last attempt was made.
    ///   - attempts: Failed attempts so far (at least 1).
    ///   - retryAfter: The broker's `Retry-After`, already capped; the result is never earlier.
    ///   - generator: The source of jitter.
    public func nextAttempt(
        after time: Date,
        attempts: Int,
        retryAfter: Duration? = nil,
        using generator: inout some RandomNumberGenerator
    ) -> Date {
        let nominal = nominalDelay(afterAttempts: attempts).seconds
        let spread = max(0, min(jitter, 1))
        var delay = spread > 0 ? nominal * Double.random(in: (1 - spread)...(1 + spread), using: &generator) : nominal
        delay = min(delay, maxDelay.seconds)
        if let retryAfter {
            delay = max(delay, retryAfter.seconds)
        }
        // A spool object holds no time after the year 9999 (it would be read as corrupt); a wait configured
        // that long means never, and the year 9999 says the same.
        return min(time.addingTimeInterval(delay), Event.latestRepresentableTime)
    }

    /// When to attempt again, with the system's random numbers for jitter.
    public func nextAttempt(after time: Date, attempts: Int, retryAfter: Duration? = nil) -> Date {
        var generator = SystemRandomNumberGenerator()
        return nextAttempt(after: time, attempts: attempts, retryAfter: retryAfter, using: &generator)
    }

    /// Why an event should be given up now, or `nil` while it may still be retried.
    ///
    /// - Parameters:
    ///   - record: The event's delivery history, including the attempt just made.
    ///   - now: The current time.
    public func exhaustion(of record: DeliveryRecord, now: Date) -> String? {
        if record.attempts >= maxAttempts {
            return "gave up after \(record.attempts) attempts (retry.maxAttempts = \(maxAttempts))"
        }
        let age = now.timeIntervalSince(record.spooledAt)
        if age >= maxAge.seconds {
            return
                "gave up after \(Duration.seconds(saturating: age).shortDescription) in the spool "
                + "(retry.maxAge = \(maxAge.shortDescription))"
        }
        return nil
    }
}
