import ArgumentParser
import EventSpool
import Foundation

/// A point in time on the command line (`--since`, `--until`): an ISO 8601 time with its zone
/// (`2026-11-27T23:00:00Z`, `2026-11-28T00:00:00+01:00`, fractional seconds too), a day (`2026-11-27`, midnight
/// UTC), or a duration meaning that long ago (`2h`).
///
/// Read strictly: Foundation's ISO 8601 parser rolls an impossible date over (`2026-02-30` becomes 2 March,
/// `T25:00` the next day), and `purge --yes` takes these filters, so a typo must be an error, not another day.
struct TimeArgument {
    let date: Date

    /// What a valid time looks like, for the error message.
    private static let expected =
        "expected a time such as 2026-11-27T23:00:00Z (with Z or an offset such as +01:00), a day such as "
        + "2026-11-27 (UTC), or a duration meaning that long ago, such as 2h"

    /// Parses an option's value; a relative one counts back from `now`.
    static func parse(_ text: String, now: Date = Date()) throws -> TimeArgument {
        if let duration = Duration(text: text) {
            return TimeArgument(date: now.addingTimeInterval(-duration.seconds))
        }
        let pattern = #/(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})?)?/#
        guard let match = text.wholeMatch(of: pattern) else { throw ValidationError(expected) }
        let (_, year, month, day, hour, minute, second, fraction, zone) = match.output
        if hour != nil && zone == nil {
            throw ValidationError("\(text) has no time zone: add Z for UTC, or an offset such as +01:00")
        }
        let components = DateComponents(
            year: Int(year),
            month: Int(month),
            day: Int(day),
            hour: hour.flatMap { Int($0) } ?? 0,
            minute: minute.flatMap { Int($0) } ?? 0,
            second: second.flatMap { Int($0) } ?? 0
        )
        try check(components, text: text)
        let offset = try zone.map { try offsetSeconds(String($0), text: text) } ?? 0
        guard let start = calendar.date(from: components) else { throw ValidationError(expected) }
        let fractionSeconds = fraction.flatMap { Double("0" + $0) } ?? 0
        return TimeArgument(date: start.addingTimeInterval(fractionSeconds - Double(offset)))
    }

    /// The Gregorian calendar in UTC, which ISO 8601 times are in.
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// Refuses a month, day, hour, minute or second that does not exist (leap seconds are not taken).
    private static func check(_ components: DateComponents, text: String) throws {
        guard let month = components.month, (1...12).contains(month) else {
            throw ValidationError("\(text) is not a date: there is no month \(components.month ?? 0)")
        }
        let first = DateComponents(year: components.year, month: month, day: 1)
        let days = calendar.date(from: first).flatMap { calendar.range(of: .day, in: .month, for: $0) }?.count ?? 31
        guard let day = components.day, (1...days).contains(day) else {
            throw ValidationError("\(text) is not a date: month \(month) of \(components.year ?? 0) has \(days) days")
        }
        guard (0...23).contains(components.hour ?? 0), (0...59).contains(components.minute ?? 0),
            (0...59).contains(components.second ?? 0)
        else {
            throw ValidationError("\(text) is not a time of day: hours go from 00 to 23, minutes and seconds to 59")
        }
    }

    /// `Z` as 0, `+01:00` or `-0530` as seconds east of UTC.
    private static func offsetSeconds(_ zone: String, text: String) throws -> Int {
        guard zone.uppercased() != "Z" else { return 0 }
        let digits = zone.dropFirst().filter(\.isNumber)
        guard let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)), hours <= 23, minutes <= 59
        else {
            throw ValidationError("\(text) has no valid time zone offset: expected one such as +01:00")
        }
        let seconds = hours * 3600 + minutes * 60
        return zone.hasPrefix("-") ? -seconds : seconds
    }
}
