public import EventSpool
import Synchronization

public import struct Foundation.Date

/// A ``WallClock`` that only moves when a test moves it, so time-based behaviour (backoff, next-attempt
/// times, `Retry-After` dates, maximum age) is tested without sleeping.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    /// A clock that reads `start` until it is moved.
    public init(_ start: Date) {
        self.current = Mutex(start)
    }

    public var now: Date {
        self.current.withLock { $0 }
    }

    /// Moves the clock forward by `duration` (backward when it is negative).
    public func advance(by duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        self.current.withLock { $0 = date }
    }
}
