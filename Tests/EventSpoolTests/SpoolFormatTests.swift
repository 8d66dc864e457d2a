import Foundation
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

@Suite struct SpoolFormatTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 B.4 test vectors: 32 bytes of zeros, of 0xFF, and ascending.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func crc32cContinuesAcrossChunksOfAnyLength() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 63, 500, 999, 1000] {
            let first = CRC32C.checksum(bytes[..<split])
            #expect(CRC32C.checksum(bytes[split...], continuing: first) == whole)
        }
    }

    @Test func everyFieldRoundTripsThroughTheEncoding() throws {
        let events = [SpoolFormatTests.richEvent, spoolTestEvent(1, body: [])]
        let bytes = SpoolObjectFormat.encodeObject([try SpoolObjectFormat.encodeRecords(events)])
        #expect(try SpoolObjectFormat.decodeObject(bytes) == events)
        let header = try SpoolObjectFormat.decodeHeader(Array(bytes.prefix(SpoolObjectFormat.headerSize)))
        #expect(header.eventCount == 2)
        #expect(header.version == 1)
        #expect(header.nextAttemptAt == events.map(\.delivery.nextAttemptAt).min())
        #expect(header.recordsLength == UInt64(bytes.count - SpoolObjectFormat.headerSize))
    }

    @Test func theHeaderFlagsObjectsWithOrderingKeys() throws {
        var ordered = spoolTestEvent(1)
        ordered.event.orderingKey = "customer-7"
        let withKey = SpoolObjectFormat.encodeObject([
            try SpoolObjectFormat.encodeRecords([spoolTestEvent(0)]), try SpoolObjectFormat.encodeRecords([ordered]),
        ])
        #expect(try SpoolObjectFormat.decodeHeader(withKey).hasOrderingKeys)
        let without = try Self.sampleObject()
        #expect(try !SpoolObjectFormat.decodeHeader(without).hasOrderingKeys)

        // A flag this version does not know is refused, not ignored.
        let unknown = Self.withHeaderByte(7, setTo: 0x02, in: without)
        #expect {
            try SpoolObjectFormat.decodeHeader(unknown)
        } throws: { error in
            "\(error)".contains("unknown header flags 0x2")
        }
    }

    @Test func everyTruncationIsReportedAsCorrupt() throws {
        let bytes = try Self.sampleObject()
        for length in 0..<bytes.count {
            #expect(throws: SpoolObjectFormat.FormatError.self) {
                try SpoolObjectFormat.decodeObject(Array(bytes.prefix(length)))
            }
        }
    }

    @Test func everySingleBitFlipIsReportedAsCorrupt() throws {
        let bytes = try Self.sampleObject()
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                #expect(throws: SpoolObjectFormat.FormatError.self) {
                    try SpoolObjectFormat.decodeObject(damaged)
                }
            }
        }
    }

    @Test func hugeLengthFieldsFailWithoutAHugeAllocation() throws {
        var bytes = try Self.sampleObject()
        let recordStart = SpoolObjectFormat.headerSize
        for (index, byte) in [UInt8](arrayLiteral: 0xFF, 0xFF, 0xFF, 0xF0).enumerated() {
            bytes[recordStart + index] = byte
        }
        #expect {
            try SpoolObjectFormat.decodeObject(bytes)
        } throws: { error in
            "\(error)".contains("impossible length")
        }

        // A header that claims four billion events in a small object.
        var header = BinaryWriter()
        header.append(contentsOf: SpoolObjectFormat.magic)
        header.append(UInt16(1))
        header.append(UInt16(0))
        header.append(UInt32.max)
        header.append(Date())
        header.append(UInt64(100))
        header.append(CRC32C.checksum(header.bytes))
        #expect {
            try SpoolObjectFormat.decodeObject(header.bytes + [UInt8](repeating: 0, count: 100))
        } throws: { error in
            "\(error)".contains("claims 4294967295 events")
        }
    }

    @Test func garbageAndUnknownVersionsAreRejectedWithAReason() throws {
        #expect {
            try SpoolObjectFormat.decodeObject(Array("{\"not\": \"an object\", \"but\": \"some json\"}".utf8))
        } throws: { error in
            "\(error)".contains("EVSP")
        }
        let bytes = Self.withHeaderByte(5, setTo: 2, in: try Self.sampleObject())  // version 2
        #expect {
            try SpoolObjectFormat.decodeObject(bytes)
        } throws: { error in
            "\(error)".contains("unsupported format version 2")
        }
    }

    @Test func metadataWithBadFieldsIsRejected() throws {
        // Valid framing around invalid metadata: the checks behind the checksum still hold.
        func object(metadata: [UInt8]) -> [UInt8] {
            var record = BinaryWriter()
            record.append(UInt32(UInt32(metadata.count) + 4))
            record.append(UInt32(0))
            record.append(UInt32(metadata.count))
            record.append(contentsOf: metadata)
            var bytes = record.bytes
            let checksum = CRC32C.checksum(bytes[8...], continuing: CRC32C.checksum(bytes[0..<4]))
            for index in 0..<4 {
                bytes[4 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * (3 - index)))
            }
            let records = SpoolObjectFormat.Records(bytes: bytes, eventCount: 1, nextAttemptAt: Date())
            return SpoolObjectFormat.encodeObject([records])
        }
        let cases: [([UInt8], String)] = [
            ([0x7F, 0x00], "unknown field tag 0x7f"),
            ([0x01, 0x05, 0x61], "is 5 bytes but only 1 remain"),
            ([0x01, 0x01, 0x61, 0x01, 0x01, 0x62], "occurs twice"),
            ([0x01, 0x02, 0xC3, 0x28], "not valid UTF-8"),
            ([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "overflows 64 bits"),
            ([0x01, 0x01, 0x61], "lacks the required field type"),
        ]
        for (metadata, reason) in cases {
            #expect {
                try SpoolObjectFormat.decodeObject(object(metadata: metadata))
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
    }

    /// An event with every attribute set, text beyond ASCII, and a full delivery record.
    static let richEvent: SpooledEvent = {
        var delivery = DeliveryRecord(spooledAt: spoolTestTime.addingTimeInterval(0.000_000_3))
        for attempt in 0..<(DeliveryRecord.maxHistory + 3) {
            let error: AttemptError? =
                switch attempt % 3 {
                case 0: AttemptError(status: 503, message: "HTTP 503: überlastet — 稍后再试")
                case 1: AttemptError(status: nil, message: "connection refused")
                default: nil
                }
            delivery.record(attemptAt: spoolTestTime.addingTimeInterval(Double(attempt) * 1.5), error: error)
        }
        delivery.nextAttemptAt = spoolTestTime.addingTimeInterval(3600.25)
        delivery.deadReason = "gave up after 19 attempts: HTTP 400 — ungültig"
        return SpooledEvent(
            event: Event(
                id: "019a8b5e-7c1d-7f3a-9b2e-4d5c6a7b8c9d",
                type: "com.example.bestellung.erstellt",
                source: "/läden/東京",
                time: spoolTestTime,
                subject: "bestellung-ü-1",
                orderingKey: "kunde-7",
                contentType: "application/json; charset=utf-8",
                text: #"{"grüße":"こんにちは","emoji":"📦"}"#,
                extensions: ["tenant": "acme", "region": "eu-central", "empty": ""],
                traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                tracestate: "vendor=opaque-value"
            ),
            delivery: delivery
        )
    }()

    /// `object` with one header byte changed and the header checksum made to match again.
    static func withHeaderByte(_ index: Int, setTo value: UInt8, in object: [UInt8]) -> [UInt8] {
        var bytes = object
        bytes[index] = value
        let checksum = CRC32C.checksum(bytes[0..<28])
        for index in 0..<4 {
            bytes[28 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * (3 - index)))
        }
        return bytes
    }

    static func sampleObject() throws -> [UInt8] {
        let events = [spoolTestEvent(1), spoolTestEvent(2, body: []), spoolTestEvent(3)]
        return SpoolObjectFormat.encodeObject([try SpoolObjectFormat.encodeRecords(events)])
    }
}
