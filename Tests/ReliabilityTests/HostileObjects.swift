import EventSpoolTesting

import struct Foundation.Date

@testable import EventSpool
@testable import EventSpoolStorage

/// Spool objects whose framing is valid — every length right, every CRC-32C right — but whose values are
/// absurd: what a writer of another version, a hand-edited file or a crafted one could leave in a spool.
///
/// They are built here field by field (tag, varint length, value), not with the library's encoder, which
/// refuses to write such values. Each variant holds one event whose fields are those of a valid event with
/// one to three of them replaced.
enum HostileObjects {
    typealias Tag = SpoolRecord.Tag

    /// One metadata field.
    struct Field {
        var tag: Tag
        var value: [UInt8]
    }

    /// One object with absurd values, and what is absurd about it.
    struct Variant {
        var kind: String
        var bytes: [UInt8]
    }

    /// The time of the valid fields: in the past, so that a sweep with the real clock finds them due.
    static let validDate = Date(timeIntervalSince1970: 1_700_000_000)
    /// ``validDate`` as seconds since 2001-01-01, a `Date`'s own number.
    static let validTime = validDate.timeIntervalSinceReferenceDate

    /// Times outside the years 0001–9999, as seconds since 2001-01-01: far beyond what `Duration` or `Int`
    /// hold, just beyond the years a reader must accept, and not numbers at all.
    static let absurdTimes: [(String, Double)] = [
        ("1e300", 1e300), ("-1e300", -1e300),
        ("max", .greatestFiniteMagnitude), ("-max", -.greatestFiniteMagnitude),
        ("9.3e18", 9.3e18), ("-9.3e18", -9.3e18), ("1e15", 1e15), ("-1e15", -1e15),
        ("year 10000", 252_423_993_600), ("year 0", -63_113_904_001),
        ("inf", .infinity), ("-inf", -.infinity), ("nan", .nan),
    ]

    /// Attempt counts no writer makes: negative, or beyond what a counter may reach.
    static let absurdAttempts: [(String, Int)] = [
        ("Int64.max", Int(Int64.max)), ("Int64.max-1", Int(Int64.max) - 1), ("Int64.min", Int(Int64.min)),
        ("-1", -1), ("2^31", 1 << 31), ("2^62", 1 << 62),
    ]

    /// Statuses no status line holds (it has three digits).
    static let absurdStatuses: [(String, Int)] = [
        ("Int64.max", Int(Int64.max)), ("Int64.min", Int(Int64.min)), ("-1", -1), ("1000", 1000), ("65536", 65536),
    ]

    // MARK: - Building

    /// The fields of a valid event with `id`, in the order the library writes them.
    static func validFields(id: String, orderingKey: String? = nil) -> [Field] {
        var fields = [
            text(.id, id), text(.type, "com.example.hostile"), text(.source, "/reliability"),
            time(.time, validTime),
        ]
        if let orderingKey { fields.append(text(.orderingKey, orderingKey)) }
        fields += [
            text(.contentType, "application/json"), time(.spooledAt, validTime), signed(.attempts, 0),
            time(.nextAttemptAt, validTime),
        ]
        return fields
    }

    static func text(_ tag: Tag, _ value: String) -> Field {
        Field(tag: tag, value: Array(value.utf8))
    }

    static func time(_ tag: Tag, _ seconds: Double) -> Field {
        var writer = BinaryWriter()
        writer.append(seconds.bitPattern)
        return Field(tag: tag, value: writer.bytes)
    }

    static func signed(_ tag: Tag, _ value: Int) -> Field {
        var writer = BinaryWriter()
        writer.appendSignedVarint(value)
        return Field(tag: tag, value: writer.bytes)
    }

    /// An error value: the status presence byte, the status, the message.
    static func error(_ tag: Tag, status: Int?, message: String) -> Field {
        Field(tag: tag, value: errorBytes(status: status, message: message))
    }

    /// One history entry: its time, then an error (or none).
    static func attempt(time seconds: Double, status: Int? = 503, message: String = "busy") -> Field {
        var writer = BinaryWriter()
        writer.append(seconds.bitPattern)
        writer.append(UInt8(1))
        writer.append(contentsOf: errorBytes(status: status, message: message))
        return Field(tag: .attempt, value: writer.bytes)
    }

    static func extensionAttribute(_ name: String, _ value: String) -> Field {
        var writer = BinaryWriter()
        writer.appendVarint(UInt64(name.utf8.count))
        writer.append(contentsOf: name.utf8)
        writer.append(contentsOf: value.utf8)
        return Field(tag: .extensionAttribute, value: writer.bytes)
    }

    private static func errorBytes(status: Int?, message: String) -> [UInt8] {
        var writer = BinaryWriter()
        if let status {
            writer.append(UInt8(1))
            writer.appendSignedVarint(status)
        } else {
            writer.append(UInt8(0))
        }
        writer.append(contentsOf: message.utf8)
        return writer.bytes
    }

    /// One framed record: payload length, CRC-32C of length and payload, then metadata length, metadata, body.
    static func record(_ fields: [Field], body: [UInt8] = Array(#"{"n":1}"#.utf8)) -> [UInt8] {
        var metadata = BinaryWriter()
        for field in fields {
            metadata.appendField(tag: field.tag.rawValue) { $0.append(contentsOf: field.value) }
        }
        var payload = BinaryWriter()
        payload.append(UInt32(metadata.count))
        payload.append(contentsOf: metadata.bytes)
        payload.append(contentsOf: body)
        var length = BinaryWriter()
        length.append(UInt32(payload.count))
        let checksum = CRC32C.checksum(payload.bytes, continuing: CRC32C.checksum(length.bytes))
        var record = length
        record.append(checksum)
        record.append(contentsOf: payload.bytes)
        return record.bytes
    }

    /// A whole object: a 32-byte header with its CRC-32C, then `records`.
    ///
    /// - Parameters:
    ///   - nextAttemptAt: The header's next attempt time (seconds since 2001-01-01).
    ///   - hasOrderingKeys: The header's flag bit 0.
    static func object(_ records: [[UInt8]], nextAttemptAt: Double, hasOrderingKeys: Bool) -> [UInt8] {
        let recordsLength = records.reduce(0) { $0 + $1.count }
        var writer = BinaryWriter()
        writer.append(contentsOf: SpoolObjectFormat.magic)
        writer.append(SpoolObjectFormat.version)
        writer.append(hasOrderingKeys ? SpoolObjectFormat.orderingKeysFlag : 0)
        writer.append(UInt32(records.count))
        writer.append(nextAttemptAt.bitPattern)
        writer.append(UInt64(recordsLength))
        writer.append(CRC32C.checksum(writer.bytes))
        for record in records {
            writer.append(contentsOf: record)
        }
        return writer.bytes
    }

    /// A one-event object with a header that tells the truth about `fields` (unless told otherwise).
    static func object(
        _ fields: [Field],
        headerNextAttemptAt: Double? = nil,
        hasOrderingKeys: Bool? = nil
    ) -> [UInt8] {
        let next = fields.last { $0.tag == .nextAttemptAt }.map { Double(bitPattern: bigEndian($0.value)) }
        return object(
            [record(fields)],
            nextAttemptAt: headerNextAttemptAt ?? next ?? validTime,
            hasOrderingKeys: hasOrderingKeys ?? fields.contains { $0.tag == .orderingKey }
        )
    }

    private static func bigEndian(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    // MARK: - Variants

    /// Every hostile variant: each absurd value in each field it can go in, then `combinations` seeded
    /// objects with two or three absurd fields at once.
    static func variants(_ random: inout SeededRandom, combinations: Int = 60) -> [Variant] {
        var single: [(kind: String, change: (inout [Field]) -> Void)] = []
        let timeTags: [Tag] = [.time, .spooledAt, .firstAttemptAt, .lastAttemptAt, .nextAttemptAt]
        for tag in timeTags {
            for (name, seconds) in absurdTimes {
                single.append(("\(tag) \(name)", { set(time(tag, seconds), in: &$0) }))
            }
        }
        for (name, seconds) in absurdTimes {
            single.append(("history time \(name)", { $0.append(attempt(time: seconds)) }))
        }
        for (name, count) in absurdAttempts {
            single.append(("attempts \(name)", { set(signed(.attempts, count), in: &$0) }))
        }
        for (name, status) in absurdStatuses {
            single.append(
                ("lastError status \(name)", { set(error(.lastError, status: status, message: "x"), in: &$0) })
            )
            single.append(("history status \(name)", { $0.append(attempt(time: validTime, status: status)) }))
        }
        single += countsAndLengths()
        single += badText()

        var variants: [Variant] = []
        for (index, (kind, change)) in single.enumerated() {
            var fields = validFields(id: "hostile-\(index)", orderingKey: index % 3 == 0 ? "key-\(index % 7)" : nil)
            change(&fields)
            variants.append(Variant(kind: kind, bytes: object(fields)))
        }
        variants += lyingHeaders()
        for number in 0..<combinations {
            var fields = validFields(id: "combined-\(number)", orderingKey: "key-\(number % 7)")
            var kinds: [String] = []
            for _ in 0..<(2 + random.next(below: 2)) {
                let (kind, change) = single[random.next(below: single.count)]
                change(&fields)
                kinds.append(kind)
            }
            variants.append(Variant(kind: "combined: " + kinds.joined(separator: " + "), bytes: object(fields)))
        }
        return variants
    }

    /// Counts and lengths past every bound: history entries, extensions, and each text field.
    private static func countsAndLengths() -> [(kind: String, change: (inout [Field]) -> Void)] {
        func long(_ count: Int) -> String { String(repeating: "a", count: count) }
        return [
            ("17 history entries", { $0 += (0..<17).map { _ in attempt(time: validTime) } }),
            ("1000 history entries", { $0 += (0..<1000).map { _ in attempt(time: validTime) } }),
            ("65 extensions", { $0 += (0..<65).map { extensionAttribute("x\($0)", "v") } }),
            ("2000 extensions", { $0 += (0..<2000).map { extensionAttribute("x\($0)", "v") } }),
            ("id of 129 bytes", { set(text(.id, long(129)), in: &$0) }),
            ("empty id", { set(text(.id, ""), in: &$0) }),
            ("type of 1025 bytes", { set(text(.type, long(1025)), in: &$0) }),
            ("source of 2049 bytes", { set(text(.source, long(2049)), in: &$0) }),
            ("contentType of 257 bytes", { set(text(.contentType, long(257)), in: &$0) }),
            ("subject of 2049 bytes", { $0.append(text(.subject, long(2049))) }),
            ("orderingKey of 257 bytes", { set(text(.orderingKey, long(257)), in: &$0) }),
            ("extension name of 21 bytes", { $0.append(extensionAttribute(long(21), "v")) }),
            ("extension value of 2049 bytes", { $0.append(extensionAttribute("big", long(2049))) }),
            (
                "tracestate of 513 bytes",
                {
                    $0.append(text(.traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
                    $0.append(text(.tracestate, long(513)))
                }
            ),
            ("deadReason of 4097 bytes", { $0.append(text(.deadReason, long(4097))) }),
            ("lastError message of 513 bytes", { set(error(.lastError, status: 503, message: long(513)), in: &$0) }),
            ("history message of 513 bytes", { $0.append(attempt(time: validTime, message: long(513))) }),
        ]
    }

    /// Text no publisher could have spooled: it would become a path, split a header, or is not a field.
    private static func badText() -> [(kind: String, change: (inout [Field]) -> Void)] {
        [
            ("id with a slash", { set(text(.id, "../../etc/passwd"), in: &$0) }),
            ("id '..'", { set(text(.id, ".."), in: &$0) }),
            ("type with CR LF", { set(text(.type, "a\r\nX-Injected: 1"), in: &$0) }),
            ("source with NUL", { set(text(.source, "/a\u{0}b"), in: &$0) }),
            ("invalid traceparent", { $0.append(text(.traceparent, "not-a-traceparent")) }),
            ("tracestate without traceparent", { $0.append(text(.tracestate, "a=b")) }),
            ("reserved extension name", { $0.append(extensionAttribute("id", "v")) }),
            ("upper-case extension name", { $0.append(extensionAttribute("Name", "v")) }),
        ]
    }

    /// Headers whose every byte checks out but that lie about the events behind them.
    private static func lyingHeaders() -> [Variant] {
        let keyed = validFields(id: "header-keyed", orderingKey: "key-header")
        let plain = validFields(id: "header-plain")
        var variants = [
            Variant(kind: "header hides an ordering key", bytes: object(keyed, hasOrderingKeys: false)),
            Variant(kind: "header claims an ordering key", bytes: object(plain, hasOrderingKeys: true)),
            Variant(
                kind: "header next attempt later than its event's",
                bytes: object(plain, headerNextAttemptAt: validTime + 3600)
            ),
            Variant(
                kind: "header next attempt earlier than its event's",
                bytes: object(plain, headerNextAttemptAt: validTime - 3600)
            ),
        ]
        for (name, seconds) in absurdTimes {
            variants.append(
                Variant(kind: "header next attempt \(name)", bytes: object(plain, headerNextAttemptAt: seconds))
            )
        }
        return variants
    }

    /// Replaces the field with `field`'s tag, or adds it when there is none.
    static func set(_ field: Field, in fields: inout [Field]) {
        if let index = fields.firstIndex(where: { $0.tag == field.tag }) {
            fields[index] = field
        } else {
            fields.append(field)
        }
    }
}
