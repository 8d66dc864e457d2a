import EventSpool
import Foundation

/// Short human forms of times for tables and JSON: the one place spoolctl turns times into text or numbers.
/// Every conversion saturates (`Duration.seconds(saturating:)`), so no time, however absurd, can trap here.
enum TimeText {
    /// How long ago `date` was, as `5s`, `3m`, `2h`, `4d`.
    static func age(of date: Date, now: Date) -> String {
        Duration.age(of: date, at: now).shortDescription
    }

    /// How long ago `date` was, in whole seconds (0 for a date in the future).
    static func ageSeconds(of date: Date, now: Date) -> Int {
        Int(Duration.age(of: date, at: now).components.seconds)
    }

    /// When `date` is, relative to `now`: `now` or `in 5m`.
    static func until(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        return seconds <= 0 ? "now" : "in " + Duration.seconds(saturating: seconds).shortDescription
    }

    /// ISO 8601 in UTC with milliseconds, for JSON.
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Byte counts for people: `512 B`, `1.5 KiB`, `3.2 MiB`.
enum ByteText {
    static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
