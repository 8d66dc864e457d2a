import struct Foundation.Date

/// Reads the spool format's primitive values from a range of a byte array, checking every length
/// against the bytes that are really there: corrupt input ends in ``SpoolObjectFormat/Corruption``,
/// never a trap or an allocation sized by an untrusted length.
///
/// Every read takes `what`, the value's name for the error message; it is an autoclosure because the
/// message is built only on failure, and the sweeper reads millions of fields that never fail.
struct BinaryReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    private let end: Int

    /// A reader of `bytes[range]`; `range` must lie within `bytes`.
    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    /// A reader of all of `bytes`.
    init(_ bytes: [UInt8]) {
        self.init(bytes, range: 0..<bytes.count)
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    /// The next `count` bytes as a range of the underlying array, without copying them.
    mutating func readRange(
        _ count: Int,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw SpoolObjectFormat.FormatError("\(what()) needs \(count) bytes but only \(remaining) remain")
        }
        defer { offset += count }
        return offset..<(offset + count)
    }

    /// A reader of the next `count` bytes, which this reader skips.
    mutating func readReader(
        _ count: Int,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) -> BinaryReader {
        BinaryReader(bytes, range: try readRange(count, what()))
    }

    /// The rest of this reader's bytes, copied.
    mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// A copy of the bytes in `range` (a range this reader returned).
    func copy(_ range: Range<Int>) -> [UInt8] {
        Array(bytes[range])
    }

    /// The CRC-32C of the bytes in `range`, continuing from `crc`.
    func checksum(_ range: Range<Int>, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[range]), continuing: crc) }
    }

    mutating func readUInt8(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> UInt8 {
        bytes[try readRange(1, what()).lowerBound]
    }

    mutating func readUInt16(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> UInt16 {
        UInt16(try readBigEndian(2, what()))
    }

    mutating func readUInt32(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> UInt32 {
        UInt32(try readBigEndian(4, what()))
    }

    mutating func readUInt64(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> UInt64 {
        try readBigEndian(8, what())
    }

    /// A time written by ``BinaryWriter/append(_:)-(Date)``; must be a finite number.
    mutating func readTime(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> Date {
        let seconds = Double(bitPattern: try readUInt64(what()))
        guard seconds.isFinite else {
            throw SpoolObjectFormat.FormatError("\(what()) is not a finite time")
        }
        return Date(timeIntervalSinceReferenceDate: seconds)
    }

    /// An unsigned LEB128 varint of at most 10 bytes that fits in 64 bits.
    mutating func readVarint(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<10 {
            let byte = try readUInt8(what())
            let group = UInt64(byte & 0x7F)
            if index == 9 && byte > 1 {
                throw SpoolObjectFormat.FormatError("\(what()) overflows 64 bits")
            }
            value |= group << (7 * UInt64(index))
            if byte & 0x80 == 0 { return value }
        }
        throw SpoolObjectFormat.FormatError("\(what()) overflows 64 bits")
    }

    /// A zigzag varint that fits in `Int`.
    mutating func readSignedVarint(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> Int {
        let raw = try readVarint(what())
        let value = Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        guard let result = Int(exactly: value) else {
            throw SpoolObjectFormat.FormatError("\(what()) does not fit in an integer")
        }
        return result
    }

    /// A varint length, checked against the bytes that remain.
    mutating func readLength(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> Int {
        let length = try readVarint(what())
        guard length <= UInt64(remaining) else {
            throw SpoolObjectFormat.FormatError("\(what()) is \(length) bytes but only \(remaining) remain")
        }
        return Int(length)
    }

    /// The next `count` bytes as valid UTF-8 text.
    mutating func readText(
        _ count: Int,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) -> String {
        let range = try readRange(count, what())
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw SpoolObjectFormat.FormatError("\(what()) is not valid UTF-8")
        }
        return text
    }

    /// The rest of this reader's bytes as valid UTF-8 text.
    mutating func readRestAsText(_ what: @autoclosure () -> String) throws(SpoolObjectFormat.FormatError) -> String {
        try readText(remaining, what())
    }

    private mutating func readBigEndian(
        _ width: Int,
        _ what: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) -> UInt64 {
        let range = try readRange(width, what())
        var value: UInt64 = 0
        for index in range {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }
}
