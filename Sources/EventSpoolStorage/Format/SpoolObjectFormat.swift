import EventSpoolModel

import struct Foundation.Date

/// Object format version 1, byte for byte in `docs/spool-format.md`: a 32-byte header, then one framed
/// record per event.
///
/// ```
/// header:  magic "EVSP" | version u16 | flags u16 (bit 0: ordering keys) | event count u32 | next attempt time f64
///          | records length u64 | CRC-32C of the 28 bytes before it u32
/// record:  payload length u32 | CRC-32C of length and payload u32
///          | payload = metadata length u32, metadata (tagged fields), body
/// ```
/// Integers are big-endian. Every length is checked against the bytes really present before it is used.
package enum SpoolObjectFormat {
    /// Why bytes are not a valid object (reading) or events cannot be one (writing).
    package struct FormatError: Error, Sendable, CustomStringConvertible {
        package var reason: String
        init(_ reason: String) { self.reason = reason }
        package var description: String { reason }
    }

    /// What the fixed-size header says.
    package struct Header: Sendable, Hashable {
        package var version: Int
        package var eventCount: Int
        package var nextAttemptAt: Date
        /// The bytes after the header; the object's size is this plus ``headerSize``.
        package var recordsLength: UInt64
        /// Flag ``orderingKeysFlag``: some event in the object has an ordering key.
        package var hasOrderingKeys = false
    }

    /// Records of one or more events, encoded and ready to be put into an object.
    package struct Records: Sendable {
        var bytes: [UInt8]
        var eventCount: Int
        var nextAttemptAt: Date
        /// Some event has an ordering key.
        var hasOrderingKeys = false
    }

    static let magic: [UInt8] = Array("EVSP".utf8)
    static let version: UInt16 = 1
    package static let headerSize = 32
    /// Header flag bit 0: some event in the object has an ordering key. A reader that skips an object by its
    /// header alone (the sweeper, for one not due yet) needs the object's ordering keys only when it is set.
    static let orderingKeysFlag: UInt16 = 0x0001
    /// Every flag this version defines; others are rejected.
    static let knownFlags: UInt16 = orderingKeysFlag
    /// The payload length and checksum in front of every record.
    static let recordFrameSize = 8
    /// The smallest record: its frame and an empty metadata length. Bounds how many events a header may claim.
    static let minimumRecordSize = recordFrameSize + 4
    /// The largest record payload written or read: 64 MiB, far above the 1 MiB default body limit.
    static let maxRecordBytes = 64 << 20
    /// The largest object written or read; a larger file is not read into memory.
    package static let maxObjectBytes = 256 << 20

    // MARK: Writing

    /// Encodes `events` as consecutive records.
    ///
    /// - Throws: ``FormatError`` when an event or all of them together are too large for one object.
    package static func encodeRecords(_ events: [SpooledEvent]) throws(FormatError) -> Records {
        var writer = BinaryWriter(capacity: events.reduce(0) { $0 + $1.event.body.count + 256 })
        for event in events {
            // Nothing is written that a reader would refuse as corrupt.
            try SpoolRecord.checkBounds(event, record: "event \(event.event.id)")
            let start = writer.count
            writer.append(UInt32(0))  // payload length, set below
            writer.append(UInt32(0))  // checksum, set below
            writer.append(UInt32(0))  // metadata length, set below
            SpoolRecord.encodeMetadata(event, into: &writer)
            let metadataLength = writer.count - start - minimumRecordSize
            writer.append(contentsOf: event.event.body)
            let payloadLength = writer.count - start - recordFrameSize
            guard payloadLength <= maxRecordBytes else {
                throw FormatError(
                    "event \(event.event.id) needs \(payloadLength) bytes, "
                        + "more than the \(maxRecordBytes) a record holds"
                )
            }
            writer.set(UInt32(payloadLength), at: start)
            writer.set(UInt32(metadataLength), at: start + minimumRecordSize - 4)
            // The checksum covers the length too, so a damaged length cannot pass as a shorter record.
            let lengthRange = start..<(start + 4)
            let payloadRange = (start + recordFrameSize)..<writer.count
            let checksum = writer.bytes.withUnsafeBytes { bytes in
                let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[lengthRange]))
                return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[payloadRange]), continuing: crc)
            }
            writer.set(checksum, at: start + 4)
        }
        guard writer.count <= maxObjectBytes - headerSize else {
            throw FormatError("\(events.count) events need \(writer.count) bytes, more than an object holds")
        }
        let nextAttemptAt = events.map(\.delivery.nextAttemptAt).min() ?? .distantPast
        return Records(
            bytes: writer.bytes,
            eventCount: events.count,
            nextAttemptAt: nextAttemptAt,
            hasOrderingKeys: events.contains { $0.event.orderingKey != nil }
        )
    }

    /// One whole object: the header for `parts`, then their records in order.
    package static func encodeObject(_ parts: [Records]) -> [UInt8] {
        let recordsLength = parts.reduce(0) { $0 + $1.bytes.count }
        var writer = BinaryWriter(capacity: headerSize + recordsLength)
        writer.append(contentsOf: magic)
        writer.append(version)
        writer.append(parts.contains(where: \.hasOrderingKeys) ? orderingKeysFlag : 0)
        writer.append(UInt32(parts.reduce(0) { $0 + $1.eventCount }))
        writer.append(parts.map(\.nextAttemptAt).min() ?? .distantPast)
        writer.append(UInt64(recordsLength))
        writer.append(CRC32C.checksum(writer.bytes))
        for part in parts {
            writer.append(contentsOf: part.bytes)
        }
        return writer.bytes
    }

    // MARK: Reading

    /// Decodes and verifies the header at the start of `bytes` (which may hold only the header).
    package static func decodeHeader(_ bytes: [UInt8]) throws(FormatError) -> Header {
        guard bytes.count >= headerSize else {
            throw FormatError("truncated: \(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        var reader = BinaryReader(bytes, range: 0..<headerSize)
        guard bytes.prefix(4).elementsEqual(magic) else {
            throw FormatError("not a spool object: the file does not start with \"EVSP\"")
        }
        _ = try reader.readRange(4, "magic")
        let version = try reader.readUInt16("version")
        let flags = try reader.readUInt16("flags")
        let eventCount = try reader.readUInt32("event count")
        let nextAttemptAt = try reader.readTime("next attempt time")
        let recordsLength = try reader.readUInt64("records length")
        let checksumRange = 0..<reader.offset
        let checksum = try reader.readUInt32("header checksum")
        guard reader.checksum(checksumRange) == checksum else {
            throw FormatError("header checksum mismatch")
        }
        guard version == Self.version else {
            throw FormatError("unsupported format version \(version); this library reads version \(Self.version)")
        }
        guard flags & ~knownFlags == 0 else {
            throw FormatError("unknown header flags 0x\(String(flags, radix: 16))")
        }
        guard eventCount >= 1, UInt64(eventCount) <= recordsLength / UInt64(minimumRecordSize) else {
            throw FormatError("header claims \(eventCount) events in \(recordsLength) bytes of records")
        }
        guard Event.isRepresentable(nextAttemptAt) else {
            throw FormatError(
                "header next attempt time is \(nextAttemptAt.timeIntervalSince1970) s since 1970, "
                    + "outside the years 0001–9999"
            )
        }
        return Header(
            version: Int(version),
            eventCount: Int(eventCount),
            nextAttemptAt: nextAttemptAt,
            recordsLength: recordsLength,
            hasOrderingKeys: flags & orderingKeysFlag != 0
        )
    }

    /// Decodes and verifies a whole object: header, every record's framing and checksum, every field.
    package static func decodeObject(_ bytes: [UInt8]) throws(FormatError) -> [SpooledEvent] {
        let header = try decodeHeader(bytes)
        let actualLength = UInt64(bytes.count - headerSize)
        guard header.recordsLength == actualLength else {
            throw FormatError(
                "\(header.recordsLength < actualLength ? "trailing data" : "truncated"): the header says "
                    + "\(header.recordsLength) bytes of records, the file has \(actualLength)"
            )
        }
        var events: [SpooledEvent] = []
        events.reserveCapacity(header.eventCount)
        try decodeRecords(bytes, eventCount: header.eventCount, into: &events)
        // A reader that goes by the header alone (the sweeper skipping an object not due) must learn what the
        // events would tell it: a header that says otherwise is as corrupt as a wrong checksum.
        let nextAttemptAt = events.map(\.delivery.nextAttemptAt).min()
        guard header.nextAttemptAt == nextAttemptAt else {
            throw FormatError(
                "the header's next attempt time \(header.nextAttemptAt) is not its events' earliest, "
                    + "\(nextAttemptAt.map { "\($0)" } ?? "none")"
            )
        }
        guard header.hasOrderingKeys == events.contains(where: { $0.event.orderingKey != nil }) else {
            throw FormatError(
                "the header says the events \(header.hasOrderingKeys ? "have" : "have no") ordering keys; they "
                    + "\(header.hasOrderingKeys ? "have none" : "have")"
            )
        }
        return events
    }

    /// Decodes the records after the header into `events`, one at a time, so that a caller salvaging a
    /// damaged object keeps those before the first bad one.
    ///
    /// - Parameter eventCount: The records the header announces; `nil` (the header is unreadable): as many
    ///   as the bytes hold.
    static func decodeRecords(
        _ bytes: [UInt8],
        eventCount: Int?,
        into events: inout [SpooledEvent]
    ) throws(FormatError) {
        var reader = BinaryReader(bytes, range: min(headerSize, bytes.count)..<bytes.count)
        var index = 0
        while eventCount.map({ index < $0 }) ?? !reader.isAtEnd {
            // Only an error message needs it: built on demand.
            func what() -> String { "record \(index + 1) of \(eventCount.map(String.init) ?? "?")" }
            let lengthRange = try reader.readRange(4, "\(what()) length")
            var lengthReader = BinaryReader(bytes, range: lengthRange)
            let payloadLength = Int(try lengthReader.readUInt32("\(what()) length"))
            let checksum = try reader.readUInt32("\(what()) checksum")
            guard payloadLength >= 4, payloadLength <= maxRecordBytes else {
                throw FormatError("\(what()) has an impossible length of \(payloadLength) bytes")
            }
            let payloadRange = try reader.readRange(payloadLength, "\(what()) payload")
            guard reader.checksum(payloadRange, continuing: reader.checksum(lengthRange)) == checksum else {
                throw FormatError("\(what()) checksum mismatch")
            }
            var payload = BinaryReader(bytes, range: payloadRange)
            let metadataLength = Int(try payload.readUInt32("\(what()) metadata length"))
            var metadata = try payload.readReader(metadataLength, "\(what()) metadata")
            events.append(try SpoolRecord.decode(metadata: &metadata, body: payload.readRest(), record: what()))
            index += 1
        }
        guard reader.isAtEnd else {
            throw FormatError("\(reader.remaining) bytes after the last record")
        }
    }
}
