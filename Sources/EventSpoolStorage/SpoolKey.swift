import EventSpoolModel

public import struct Foundation.Date

/// The name of one spool object, S3-style: its byte order is publish order.
///
/// A key reads `20261127T235003.123456Z-0000a1b2-5e3c9d01-00000007`: the UTC time the object was
/// made (to the microsecond), the writing process id, a random number chosen when the process
/// started, and a per-process counter — so keys never collide across processes sharing a spool,
/// and keys made by one process sort in the order they were made.
/// The object lives at `<state>/YYYY/MM/DD/HH/MM/<key>.evs` (see `docs/spool-format.md`).
///
/// In the flat `quarantine/` a key may end in `~2`, `~3`, … (``quarantineNumber``): a second damaged object of
/// the same key (one from `dead/`, one from `pending/`) is kept there under the next free name, never over the
/// first.
public struct SpoolKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The key text; validated, so it never names anything outside its folder.
    public let rawValue: String

    /// The length of every key, without a quarantine number.
    static let length = 50
    /// The highest quarantine number: `<key>~9999`.
    package static let maxQuarantineNumber = 9999
    /// The file name extension of spool objects.
    static let fileExtension = ".evs"

    /// Accepts a key only in the exact form this library writes.
    public init?(_ rawValue: String) {
        guard Self.isValid(Array(rawValue.utf8)) else { return nil }
        self.rawValue = rawValue
    }

    /// Accepts `<key>.evs` and returns the key, or `nil` for any other name.
    package init?(fileName: String) {
        guard fileName.hasSuffix(Self.fileExtension) else { return nil }
        self.init(String(fileName.dropLast(Self.fileExtension.count)))
    }

    init(uncheckedRawValue: String) {
        self.rawValue = uncheckedRawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: SpoolKey, rhs: SpoolKey) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    /// The file name of the object: `<key>.evs`.
    package var fileName: String { rawValue + Self.fileExtension }

    /// The folder of the object below its state folder: `YYYY/MM/DD/HH/MM`.
    package var folder: String {
        let utf8 = Array(rawValue.utf8)
        func part(_ range: Range<Int>) -> String { String(decoding: utf8[range], as: UTF8.self) }
        return "\(part(0..<4))/\(part(4..<6))/\(part(6..<8))/\(part(9..<11))/\(part(11..<13))"
    }

    /// The object's path relative to its state folder: `YYYY/MM/DD/HH/MM/<key>.evs`.
    package var relativePath: String { folder + "/" + fileName }

    /// The number after `~` of a second, third, … object of this key in `quarantine/`; `nil` for every key a
    /// writer makes, and for the first object of a key in quarantine.
    public var quarantineNumber: Int? {
        let utf8 = rawValue.utf8
        guard utf8.count > Self.length else { return nil }
        return utf8.dropFirst(Self.length + 1).reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// The key without its quarantine number: the key the object was written under.
    public var objectKey: SpoolKey {
        guard rawValue.utf8.count > Self.length else { return self }
        return SpoolKey(uncheckedRawValue: String(decoding: rawValue.utf8.prefix(Self.length), as: UTF8.self))
    }

    /// The name of the `number`-th object of this key in `quarantine/`: the key itself for 1, else `<key>~<number>`.
    package func quarantineName(_ number: Int) -> SpoolKey {
        number <= 1 ? objectKey : SpoolKey(uncheckedRawValue: objectKey.rawValue + "~\(number)")
    }

    /// The id of the process that made the key, from the key itself.
    var processID: UInt32 { hexNumber(24..<32) }

    /// The random number of the process that made the key, from the key itself.
    var processNonce: UInt32 { hexNumber(33..<41) }

    /// The text of the key up to the minute, `YYYYMMDDTHHMM`: the key prefix of its folder.
    static func folderPrefix(ofFolder folder: String) -> String {
        // "YYYY/MM/DD/HH/MM" (or a leading part of it) to "YYYYMMDDTHHMM" (or its leading part).
        var prefix = ""
        for (index, part) in folder.split(separator: "/").enumerated() {
            if index == 3 { prefix += "T" }
            prefix += part
        }
        return prefix
    }

    private func hexNumber(_ range: Range<Int>) -> UInt32 {
        Array(rawValue.utf8)[range].reduce(0) { value, byte in
            let digit = byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : byte - UInt8(ascii: "a") + 10
            return value << 4 | UInt32(digit)
        }
    }

    /// When the key was made (to the microsecond), from the key itself.
    public var time: Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// When the key was made, in microseconds since 1970, from the key itself.
    var microseconds: Int64 {
        let utf8 = Array(rawValue.utf8)
        func number(_ range: Range<Int>) -> Int {
            utf8[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        let days = CivilTime.daysFromCivil(year: number(0..<4), month: number(4..<6), day: number(6..<8))
        let seconds = days * 86_400 + number(9..<11) * 3600 + number(11..<13) * 60 + number(13..<15)
        return Int64(seconds) * 1_000_000 + Int64(number(16..<22))
    }

    /// The times a key can hold, in microseconds since 1970: years 0001 to 9999 (four digits).
    static let representableMicroseconds: ClosedRange<Int64> =
        Int64(CivilTime.daysFromCivil(year: 1, month: 1, day: 1)) * 86_400_000_000...Int64(
            CivilTime.daysFromCivil(year: 10_000, month: 1, day: 1)
        ) * 86_400_000_000 - 1

    /// `time` in whole microseconds since 1970, held to the times a key can hold (NaN as 1970).
    static func microseconds(of time: Date) -> Int64 {
        let value = (time.timeIntervalSince1970 * 1_000_000).rounded(.down)
        let range = representableMicroseconds
        guard value >= Double(range.lowerBound) else { return value.isNaN ? 0 : range.lowerBound }
        guard value <= Double(range.upperBound) else { return range.upperBound }
        return Int64(value)
    }

    /// Makes the key for a new object.
    ///
    /// - Parameters:
    ///   - time: The time to encode (the caller keeps it monotonic); held to the years 0001 to 9999.
    ///   - processID: The writing process.
    ///   - nonce: A random number chosen once per process.
    ///   - sequence: A per-process counter.
    package static func make(time: Date, processID: UInt32, nonce: UInt32, sequence: UInt32) -> SpoolKey {
        make(microseconds: microseconds(of: time), processID: processID, nonce: nonce, sequence: sequence)
    }

    /// Makes the key for a new object made `microseconds` after 1970 (held to the years 0001 to 9999).
    static func make(microseconds: Int64, processID: UInt32, nonce: UInt32, sequence: UInt32) -> SpoolKey {
        let microseconds = min(
            max(microseconds, representableMicroseconds.lowerBound),
            representableMicroseconds.upperBound
        )
        // Floor division: times before 1970 are negative.
        let (seconds, fraction) = Self.floorDivision(microseconds, by: 1_000_000)
        let (days, secondOfDay) = Self.floorDivision(seconds, by: 86_400)
        let (year, month, day) = CivilTime.civilFromDays(Int(days))
        let secondOfDayInt = Int(secondOfDay)
        var text = ""
        text.reserveCapacity(length)
        text += pad(year, 4) + pad(month, 2) + pad(day, 2) + "T"
        text += pad(secondOfDayInt / 3600, 2) + pad(secondOfDayInt / 60 % 60, 2) + pad(secondOfDayInt % 60, 2)
        text += "." + pad(Int(fraction), 6) + "Z-"
        text += hex(processID) + "-" + hex(nonce) + "-" + hex(sequence)
        return SpoolKey(uncheckedRawValue: text)
    }

    private static func floorDivision(_ value: Int64, by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func isValid(_ utf8: [UInt8]) -> Bool {
        guard utf8.count == length || isValidQuarantineNumber(utf8.dropFirst(length)) else { return false }
        for (index, byte) in utf8.prefix(length).enumerated() {
            let ok: Bool
            switch index {
            case 8: ok = byte == UInt8(ascii: "T")
            case 15: ok = byte == UInt8(ascii: ".")
            case 22: ok = byte == UInt8(ascii: "Z")
            case 23, 32, 41: ok = byte == UInt8(ascii: "-")
            case 0..<22: ok = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            default:
                ok =
                    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            }
            if !ok { return false }
        }
        return true
    }

    /// `~` and a number from 2 to ``maxQuarantineNumber`` without leading zeros.
    private static func isValidQuarantineNumber(_ suffix: ArraySlice<UInt8>) -> Bool {
        guard suffix.first == UInt8(ascii: "~") else { return false }
        let digits = suffix.dropFirst()
        guard (1...4).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return false }
        return digits.count > 1 || digits.first != UInt8(ascii: "1")
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
