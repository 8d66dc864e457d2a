import EventSpoolModel

import struct Foundation.Date

/// The dates S3 writes: `LastModified` in a listing (ISO 8601 in UTC, `2026-11-30T11:20:02Z` on SeaweedFS,
/// `2026-11-30T11:20:37.000Z` on moto and AWS) and the `Date` and `Last-Modified` headers (HTTP dates).
enum S3Timestamp {
    /// The instant `text` names (ISO 8601, UTC, optional fraction), or `nil` when it is not one.
    static func iso8601(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        // YYYY-MM-DDTHH:MM:SS[.fff…]Z
        guard bytes.count >= 20, bytes.count <= 30, bytes.last == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"),
            bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), let year = number(bytes[0..<4]), let month = number(bytes[5..<7]),
            let day = number(bytes[8..<10]), let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
            let second = number(bytes[17..<19])
        else { return nil }
        var fraction = 0.0
        let rest = bytes[19..<(bytes.count - 1)]
        if !rest.isEmpty {
            guard rest.first == UInt8(ascii: "."), rest.count >= 2, let digits = number(rest.dropFirst()) else {
                return nil
            }
            fraction = Double(digits) / pow10(rest.count - 1)
        }
        let civil = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard civil.isValid else { return nil }
        return Date(timeIntervalSince1970: Double(civil.secondsSince1970) + fraction)
    }

    /// The instant an HTTP date header names (`Mon, 30 Nov 2026 11:19:48 GMT`), or `nil`.
    static func httpDate(_ text: String?) -> Date? {
        guard let text, text.utf8.count <= 64 else { return nil }
        let now = Int64(Date().timeIntervalSince1970)
        return HTTPDate.parse(text, nowSecondsSince1970: now).map { Date(timeIntervalSince1970: Double($0)) }
    }

    /// ASCII digits as a number (at most 9 of them).
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pow10(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }
}
