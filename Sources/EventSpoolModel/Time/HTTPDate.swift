/// Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three forms, as a recipient must accept them:
///
/// - IMF-fixdate, the preferred form: `Sun, 06 Nov 1994 08:49:37 GMT`
/// - the obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`
/// - the obsolete asctime form: `Sun Nov  6 08:49:37 1994`
///
/// Day and month names are matched without regard to case; the day name is not checked against the
/// date (a broker's clock or formatter being off by a weekday should not turn a wait into a default).
package enum HTTPDate {
    /// The seconds since 1970 named by `text`, or `nil` when it is not an HTTP-date.
    ///
    /// - Parameters:
    ///   - text: The header value, without surrounding whitespace.
    ///   - nowSecondsSince1970: The current time, used only to place an RFC 850 two-digit year: a
    ///     year more than 50 years in the future means the most recent past year with those digits.
    package static func parse(_ text: some StringProtocol, nowSecondsSince1970: Int64) -> Int64? {
        var scanner = Scanner(Array(text.utf8))
        let civil =
            scanner.attempt { $0.imfFixdate() }
            ?? scanner.attempt { $0.rfc850Date(nowYear: CivilTime(secondsSince1970: nowSecondsSince1970).year) }
            ?? scanner.attempt { $0.asctimeDate() }
        guard let civil, civil.isValid else { return nil }
        return civil.secondsSince1970
    }

    private static let shortDayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let longDayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    private static let monthNames = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        /// Runs one form's parser from the start; the result counts only if it used every byte.
        mutating func attempt(_ parse: (inout Scanner) -> CivilTime?) -> CivilTime? {
            index = 0
            guard let civil = parse(&self), index == bytes.count else { return nil }
            return civil
        }

        // IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT ; date1 = day SP month SP year
        mutating func imfFixdate() -> CivilTime? {
            guard word(in: HTTPDate.shortDayNames) != nil, literal(","), literal(" "),
                let day = digits(2), literal(" "), let month = month(), literal(" "),
                let year = digits(4), literal(" "), let time = timeOfDay(), literal(" "), literal("GMT")
            else { return nil }
            return CivilTime(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
        }

        // rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT ; date2 = day "-" month "-" 2DIGIT
        mutating func rfc850Date(nowYear: Int) -> CivilTime? {
            guard word(in: HTTPDate.longDayNames) != nil, literal(","), literal(" "),
                let day = digits(2), literal("-"), let month = month(), literal("-"),
                let twoDigitYear = digits(2), literal(" "), let time = timeOfDay(), literal(" "), literal("GMT")
            else { return nil }
            var year = nowYear - nowYear % 100 + twoDigitYear
            if year > nowYear + 50 {
                year -= 100
            }
            return CivilTime(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
        }

        // asctime-date = day-name SP date3 SP time-of-day SP year ; date3 = month SP ( 2DIGIT / ( SP DIGIT ) )
        mutating func asctimeDate() -> CivilTime? {
            guard word(in: HTTPDate.shortDayNames) != nil, literal(" "), let month = month(), literal(" ")
            else { return nil }
            let day: Int
            if literal(" ") {
                guard let digit = digits(1) else { return nil }
                day = digit
            } else {
                guard let twoDigits = digits(2) else { return nil }
                day = twoDigits
            }
            guard literal(" "), let time = timeOfDay(), literal(" "), let year = digits(4) else { return nil }
            return CivilTime(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
        }

        // time-of-day = hour ":" minute ":" second, two digits each
        mutating func timeOfDay() -> (Int, Int, Int)? {
            guard let hour = digits(2), literal(":"), let minute = digits(2), literal(":"), let second = digits(2)
            else { return nil }
            return (hour, minute, second)
        }

        mutating func month() -> Int? {
            word(in: HTTPDate.monthNames).map { $0 + 1 }
        }

        /// Exactly `count` ASCII digits.
        mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        /// The index in `words` of the (case-insensitive) word at the cursor, longest match first.
        mutating func word(in words: [String]) -> Int? {
            var best: (position: Int, length: Int)?
            for (position, word) in words.enumerated() {
                let length = word.utf8.count
                guard index + length <= bytes.count, length > (best?.length ?? 0) else { continue }
                let candidate = bytes[index..<index + length].lazy.map { $0 | 0x20 }
                if candidate.elementsEqual(word.utf8) {
                    best = (position, length)
                }
            }
            guard let best else { return nil }
            index += best.length
            return best.position
        }

        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let expected = UnsafeBufferPointer(start: text.utf8Start, count: count)
            guard bytes[index..<index + count].elementsEqual(expected) else { return false }
            index += count
            return true
        }
    }
}
