import ArgumentParser
import EventSpool
import Foundation

/// A duration on the command line: `50s`, `2h`, `3d`, `1h30m`; never negative.
struct DurationArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        guard let duration = Duration(text: argument) else { return nil }
        self.duration = duration
    }

    var seconds: Double { duration.seconds }

    static var defaultCompletionKind: CompletionKind { .default }

    /// Parses an option's value, saying what a duration looks like when it is not one (`-5s` included: the
    /// option is parsed unconditionally, so a negative value reaches here instead of reading as a flag).
    static func parse(_ text: String) throws -> DurationArgument {
        guard let value = DurationArgument(argument: text) else {
            throw ValidationError("expected a duration such as 50s, 2h, 3d or 1h30m, not negative")
        }
        return value
    }
}

/// A point in time on the command line (`--since`, `--until`): an ISO 8601 time (`2026-11-27T23:00:00Z`,
/// with an offset or fractional seconds too), a day (`2026-11-27`, midnight UTC), or a duration meaning
/// that long ago (`2h`).
struct TimeArgument {
    let date: Date

    /// Parses an option's value; a relative one counts back from `now`.
    static func parse(_ text: String, now: Date = Date()) throws -> TimeArgument {
        if let duration = Duration(text: text) {
            return TimeArgument(date: now.addingTimeInterval(-duration.seconds))
        }
        let styles = [
            Date.ISO8601FormatStyle(),
            Date.ISO8601FormatStyle(includingFractionalSeconds: true),
            Date.ISO8601FormatStyle().year().month().day(),
        ]
        for style in styles {
            if let date = try? style.parse(text) { return TimeArgument(date: date) }
        }
        throw ValidationError(
            "expected a time such as 2026-11-27T23:00:00Z, a day such as 2026-11-27 (UTC), "
                + "or a duration meaning that long ago, such as 2h"
        )
    }
}

/// A count on the command line (`--limit`): a whole number of at least 1.
enum CountArgument {
    static func parse(_ text: String) throws -> Int {
        guard let count = Int(text), count >= 1 else {
            throw ValidationError("expected a whole number of at least 1")
        }
        return count
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
