import struct Foundation.Date

extension Duration {
    /// The longest duration, about 292 billion years: `Int64.max` seconds.
    package static let longest = Duration(secondsComponent: .max, attosecondsComponent: 0)

    /// `seconds` as a duration that never traps, for ages and waits computed from stored times: NaN is
    /// zero, and anything beyond ±`Int64.max` seconds is that bound. (`Duration.seconds(_:)` traps there.)
    package static func seconds(saturating seconds: Double) -> Duration {
        guard !seconds.isNaN else { return .zero }
        // 2^63 is the first double past Int64.max seconds.
        guard seconds < 9_223_372_036_854_775_808.0 else { return longest }
        guard seconds > -9_223_372_036_854_775_808.0 else { return .zero - longest }
        return .seconds(seconds)
    }

    /// How long ago `date` was at `now`, never negative (a date in the future is an age of zero) and never
    /// trapping, whatever the two times are.
    package static func age(of date: Date, at now: Date) -> Duration {
        .seconds(saturating: max(0, now.timeIntervalSince(date)))
    }
}

extension Int {
    /// `value` rounded towards zero, or the nearest bound when it is beyond `Int`'s range; NaN is zero.
    package init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9_223_372_036_854_775_808.0 {
            self = .max
        } else if value < -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}
