import EventSpoolStorage

/// When a pass stops starting deliveries (those in flight finish): an instant of the continuous clock, the
/// `--max-time` of `spoolctl sweep` — or, in tests, a moment an event decides, such as the broker receiving a
/// request, so that "in flight at the deadline" is a fact and not a race with the scheduler.
struct SweepDeadline: Sendable {
    /// Whether the deadline has passed; asked before each delivery starts.
    let hasPassed: @Sendable () -> Bool

    init(hasPassed: @escaping @Sendable () -> Bool) {
        self.hasPassed = hasPassed
    }

    init(_ instant: ContinuousClock.Instant) {
        self.hasPassed = { ContinuousClock.now >= instant }
    }
}
