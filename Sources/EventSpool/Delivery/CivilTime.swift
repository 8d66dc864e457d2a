/// A UTC calendar date and time of day, converted to and from seconds since 1970 without a calendar
/// object: HTTP dates and CloudEvents timestamps are always UTC and proleptic Gregorian, so the
/// arithmetic is exact and does not depend on the process's locale or time zone.
struct CivilTime: Hashable {
    var year: Int
    /// 1 to 12.
    var month: Int
    /// 1 to 31.
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    /// The civil time of a whole number of seconds since 1970-01-01T00:00:00Z.
    init(secondsSince1970 seconds: Int64) {
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        // The calendar arithmetic is SpoolKey's (Howard Hinnant's algorithms), shared, not repeated.
        let date = SpoolKey.civilFromDays(Int(days))
        self.year = date.year
        self.month = date.month
        self.day = date.day
        self.hour = Int(secondOfDay / 3600)
        self.minute = Int(secondOfDay % 3600 / 60)
        self.second = Int(secondOfDay % 60)
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Whether the fields name a real instant (leap seconds are refused: HTTP dates never carry them).
    var isValid: Bool {
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
            (0...59).contains(second), (0...9999).contains(year)
        else { return false }
        return (1...Self.daysIn(month: month, year: year)).contains(day)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    var secondsSince1970: Int64 {
        let days = Int64(SpoolKey.daysFromCivil(year: year, month: month, day: day))
        return days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let isLeap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return isLeap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, with a remainder that is never negative.
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
