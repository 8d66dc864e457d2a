import ArgumentParser
import EventSpool
import Foundation

/// The options that pick events by what they are and when they entered the spool, shared by `list`, `purge`,
/// `replay`, `hold`, `release` and `requeue`.
struct EventFilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only events of this type.", valueName: "type"))
    var type: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Only events spooled longer ago than this (e.g. 50s, 2h, 3d).", valueName: "duration"),
        transform: DurationArgument.parse
    )
    var olderThan: DurationArgument?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Only events spooled at or after this time (2026-11-27T23:00:00Z, 2026-11-27, or 2h for 2 hours ago).",
            valueName: "time"
        ),
        transform: { try TimeArgument.parse($0) }
    )
    var since: TimeArgument?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Only events spooled before this time (as for --since).", valueName: "time"),
        transform: { try TimeArgument.parse($0) }
    )
    var until: TimeArgument?

    /// Refuses `--since` at or after `--until`: they would select nothing, and say nothing about it.
    func validate() throws {
        if let since, let until, since.date >= until.date {
            throw ValidationError(
                "--since \(TimeText.iso8601(since.date)) is not earlier than --until \(TimeText.iso8601(until.date)): "
                    + "nothing is spooled between them"
            )
        }
    }

    /// Whether no filter is given.
    var isEmpty: Bool { type == nil && olderThan == nil && since == nil && until == nil }

    /// The latest spool time an event may have: `--until`, or `--older-than` before `now`, whichever is earlier.
    func upperBound(now: Date) -> Date? {
        let limits = [until?.date, olderThan.map { now.addingTimeInterval(-$0.seconds) }].compactMap(\.self)
        return limits.min()
    }

    /// Whether `spooled` passes every filter given.
    func matches(_ spooled: SpooledEvent, now: Date) -> Bool {
        if let type, spooled.event.type != type { return false }
        return matches(spooledAt: spooled.delivery.spooledAt, now: now)
    }

    /// Whether an unreadable object, spooled at the time in its key, passes: never when a type is asked for.
    func matchesUnreadable(_ key: SpoolKey, now: Date) -> Bool {
        type == nil && matches(spooledAt: key.time, now: now)
    }

    private func matches(spooledAt: Date, now: Date) -> Bool {
        if let since, spooledAt < since.date { return false }
        if let olderThan, now.timeIntervalSince(spooledAt) < olderThan.seconds { return false }
        if let until, spooledAt >= until.date { return false }
        return true
    }
}
