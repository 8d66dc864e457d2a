public import struct Foundation.Date

/// The source of wall-clock time for everything that is persisted or compared with a broker's
/// dates: spool times, next-attempt times, `Retry-After` dates.
///
/// Tests inject a clock they move by hand, so time-based behaviour is tested without sleeping.
public protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public var now: Date { Date() }
}
