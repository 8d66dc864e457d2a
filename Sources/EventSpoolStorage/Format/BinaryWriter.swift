import EventSpoolModel

import struct Foundation.Date

/// Appends the spool format's primitive values to a byte array: big-endian integers, LEB128 varints,
/// times and length-prefixed fields (see `docs/spool-format.md`).
struct BinaryWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func append(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func append(_ value: UInt16) {
        appendBigEndian(UInt64(value), width: 2)
    }

    mutating func append(_ value: UInt32) {
        appendBigEndian(UInt64(value), width: 4)
    }

    mutating func append(_ value: UInt64) {
        appendBigEndian(value, width: 8)
    }

    mutating func append(contentsOf other: some Sequence<UInt8>) {
        bytes.append(contentsOf: other)
    }

    /// A time: the IEEE 754 binary64 bits of seconds since 2001-01-01T00:00:00Z, big-endian.
    /// `Date` stores exactly that double, so times round-trip bit for bit.
    mutating func append(_ time: Date) {
        append(time.timeIntervalSinceReferenceDate.bitPattern)
    }

    /// An unsigned LEB128 varint: seven bits per byte, least significant group first.
    mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// A signed integer as a zigzag varint, so small negative numbers stay short.
    mutating func appendSignedVarint(_ value: Int) {
        let value = Int64(value)
        appendVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// One metadata field: a tag byte, the value's length as a varint, then the value `body` appends.
    mutating func appendField(tag: UInt8, _ body: (inout BinaryWriter) -> Void) {
        var value = BinaryWriter()
        body(&value)
        append(tag)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value.bytes)
    }

    /// Overwrites four bytes at `offset` with `value`, big-endian (for lengths and checksums known late).
    mutating func set(_ value: UInt32, at offset: Int) {
        for index in 0..<4 {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * (3 - index)))
        }
    }

    private mutating func appendBigEndian(_ value: UInt64, width: Int) {
        for index in (0..<width).reversed() {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index)))
        }
    }
}
