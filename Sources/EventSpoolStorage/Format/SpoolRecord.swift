import EventSpoolModel

import struct Foundation.Date

/// The metadata of one record: every ``Event`` attribute and its ``DeliveryRecord``, as tagged fields.
///
/// Each field is a tag byte, the value's length as a varint, and the value. Optional fields are simply
/// absent; a repeated tag adds one more extension or attempt. Version 1 readers reject unknown tags: a new
/// field means a new format version, so no reader ever drops data it does not understand.
enum SpoolRecord {
    /// The field tags of format version 1 (listed in `docs/spool-format.md`).
    enum Tag: UInt8, CaseIterable {
        case id = 0x01
        case type = 0x02
        case source = 0x03
        case time = 0x04
        case subject = 0x05
        case orderingKey = 0x06
        case contentType = 0x07
        case extensionAttribute = 0x08
        case traceparent = 0x09
        case tracestate = 0x0A
        case spooledAt = 0x20
        case attempts = 0x21
        case firstAttemptAt = 0x22
        case lastAttemptAt = 0x23
        case nextAttemptAt = 0x24
        case lastError = 0x25
        case attempt = 0x26
        case deadReason = 0x27

        /// Tags that may occur more than once.
        var isRepeated: Bool { self == .extensionAttribute || self == .attempt }

        /// The field's name in error messages.
        var name: String {
            switch self {
            case .id: "id"
            case .type: "type"
            case .source: "source"
            case .time: "time"
            case .subject: "subject"
            case .orderingKey: "orderingKey"
            case .contentType: "contentType"
            case .extensionAttribute: "extensionAttribute"
            case .traceparent: "traceparent"
            case .tracestate: "tracestate"
            case .spooledAt: "spooledAt"
            case .attempts: "attempts"
            case .firstAttemptAt: "firstAttemptAt"
            case .lastAttemptAt: "lastAttemptAt"
            case .nextAttemptAt: "nextAttemptAt"
            case .lastError: "lastError"
            case .attempt: "attempt"
            case .deadReason: "deadReason"
            }
        }
    }

    // MARK: Writing

    static func encodeMetadata(_ spooled: SpooledEvent, into writer: inout BinaryWriter) {
        let event = spooled.event
        let delivery = spooled.delivery
        writer.appendField(tag: Tag.id.rawValue) { $0.append(contentsOf: event.id.utf8) }
        writer.appendField(tag: Tag.type.rawValue) { $0.append(contentsOf: event.type.utf8) }
        writer.appendField(tag: Tag.source.rawValue) { $0.append(contentsOf: event.source.utf8) }
        writer.appendField(tag: Tag.time.rawValue) { $0.append(event.time) }
        appendText(event.subject, tag: .subject, into: &writer)
        appendText(event.orderingKey, tag: .orderingKey, into: &writer)
        writer.appendField(tag: Tag.contentType.rawValue) { $0.append(contentsOf: event.contentType.utf8) }
        // Sorted, so the same event always encodes to the same bytes.
        for (name, value) in event.extensions.sorted(by: { $0.key < $1.key }) {
            writer.appendField(tag: Tag.extensionAttribute.rawValue) {
                $0.appendVarint(UInt64(name.utf8.count))
                $0.append(contentsOf: name.utf8)
                $0.append(contentsOf: value.utf8)
            }
        }
        appendText(event.traceparent, tag: .traceparent, into: &writer)
        appendText(event.tracestate, tag: .tracestate, into: &writer)

        writer.appendField(tag: Tag.spooledAt.rawValue) { $0.append(delivery.spooledAt) }
        writer.appendField(tag: Tag.attempts.rawValue) { $0.appendSignedVarint(delivery.attempts) }
        appendTime(delivery.firstAttemptAt, tag: .firstAttemptAt, into: &writer)
        appendTime(delivery.lastAttemptAt, tag: .lastAttemptAt, into: &writer)
        writer.appendField(tag: Tag.nextAttemptAt.rawValue) { $0.append(delivery.nextAttemptAt) }
        if let lastError = delivery.lastError {
            writer.appendField(tag: Tag.lastError.rawValue) { appendError(lastError, into: &$0) }
        }
        for attempt in delivery.history {
            writer.appendField(tag: Tag.attempt.rawValue) {
                $0.append(attempt.time)
                if let error = attempt.error {
                    $0.append(UInt8(1))
                    appendError(error, into: &$0)
                } else {
                    $0.append(UInt8(0))
                }
            }
        }
        appendText(delivery.deadReason, tag: .deadReason, into: &writer)
    }

    private static func appendText(_ text: String?, tag: Tag, into writer: inout BinaryWriter) {
        if let text {
            writer.appendField(tag: tag.rawValue) { $0.append(contentsOf: text.utf8) }
        }
    }

    private static func appendTime(_ time: Date?, tag: Tag, into writer: inout BinaryWriter) {
        if let time {
            writer.appendField(tag: tag.rawValue) { $0.append(time) }
        }
    }

    /// An error: a presence byte for the HTTP status, the status as a zigzag varint, then the message.
    private static func appendError(_ error: AttemptError, into writer: inout BinaryWriter) {
        if let status = error.status {
            writer.append(UInt8(1))
            writer.appendSignedVarint(status)
        } else {
            writer.append(UInt8(0))
        }
        writer.append(contentsOf: error.message.utf8)
    }

    // MARK: Reading

    /// Decodes the metadata fields in `metadata` and pairs them with `body`.
    ///
    /// - Parameter record: Names the record in error messages, for example `record 2 of 5`.
    static func decode(
        metadata: inout BinaryReader,
        body: [UInt8],
        record: @autoclosure () -> String
    ) throws(SpoolObjectFormat.FormatError) -> SpooledEvent {
        var fields = Fields()
        var seen: Set<UInt8> = []
        while !metadata.isAtEnd {
            let rawTag = try metadata.readUInt8("\(record()) field tag")
            guard let tag = Tag(rawValue: rawTag) else {
                throw SpoolObjectFormat.FormatError(
                    "\(record()) has the unknown field tag 0x\(String(rawTag, radix: 16))"
                )
            }
            // Only an error message needs it: built on demand.
            func what() -> String { "\(record()) field \(tag.name)" }
            guard tag.isRepeated || seen.insert(rawTag).inserted else {
                throw SpoolObjectFormat.FormatError("\(what()) occurs twice")
            }
            var value = try metadata.readReader(try metadata.readLength("\(what()) length"), what())
            try fields.read(tag, from: &value, what: what())
            guard value.isAtEnd else {
                throw SpoolObjectFormat.FormatError("\(what()) has \(value.remaining) unexpected bytes")
            }
        }
        let spooled = try fields.spooledEvent(body: body, record: record())
        try checkBounds(spooled, record: record())
        return spooled
    }

    /// Field values as they are decoded, before the required ones are checked.
    private struct Fields {
        var id: String?
        var type: String?
        var source: String?
        var time: Date?
        var subject: String?
        var orderingKey: String?
        var contentType: String?
        var extensions: [String: String] = [:]
        var traceparent: String?
        var tracestate: String?
        var spooledAt: Date?
        var attempts: Int?
        var firstAttemptAt: Date?
        var lastAttemptAt: Date?
        var nextAttemptAt: Date?
        var lastError: AttemptError?
        var history: [Attempt] = []
        var deadReason: String?

        mutating func read(
            _ tag: Tag,
            from value: inout BinaryReader,
            what: @autoclosure () -> String
        ) throws(SpoolObjectFormat.FormatError) {
            switch tag {
            case .id: id = try value.readRestAsText(what())
            case .type: type = try value.readRestAsText(what())
            case .source: source = try value.readRestAsText(what())
            case .time: time = try value.readTime(what())
            case .subject: subject = try value.readRestAsText(what())
            case .orderingKey: orderingKey = try value.readRestAsText(what())
            case .contentType: contentType = try value.readRestAsText(what())
            case .extensionAttribute:
                let name = try value.readText(try value.readLength("\(what()) name length"), "\(what()) name")
                guard extensions.updateValue(try value.readRestAsText("\(what()) value"), forKey: name) == nil else {
                    throw SpoolObjectFormat.FormatError("\(what()) \(name) occurs twice")
                }
            case .traceparent: traceparent = try value.readRestAsText(what())
            case .tracestate: tracestate = try value.readRestAsText(what())
            case .spooledAt: spooledAt = try value.readTime(what())
            case .attempts: attempts = try value.readSignedVarint(what())
            case .firstAttemptAt: firstAttemptAt = try value.readTime(what())
            case .lastAttemptAt: lastAttemptAt = try value.readTime(what())
            case .nextAttemptAt: nextAttemptAt = try value.readTime(what())
            case .lastError: lastError = try Self.readError(from: &value, what: what())
            case .attempt:
                let time = try value.readTime("\(what()) time")
                let hasError = try value.readUInt8("\(what()) error flag")
                guard hasError <= 1 else {
                    throw SpoolObjectFormat.FormatError("\(what()) error flag is \(hasError), not 0 or 1")
                }
                let error = try hasError == 1 ? Self.readError(from: &value, what: what()) : nil
                history.append(Attempt(time: time, error: error))
            case .deadReason: deadReason = try value.readRestAsText(what())
            }
        }

        private static func readError(
            from value: inout BinaryReader,
            what: @autoclosure () -> String
        ) throws(SpoolObjectFormat.FormatError) -> AttemptError {
            let hasStatus = try value.readUInt8("\(what()) status flag")
            guard hasStatus <= 1 else {
                throw SpoolObjectFormat.FormatError("\(what()) status flag is \(hasStatus), not 0 or 1")
            }
            let status = try hasStatus == 1 ? value.readSignedVarint("\(what()) status") : nil
            let message = try value.readRestAsText("\(what()) message")
            // Checked before the initializer, which would cut a message that is too long silently.
            try SpoolRecord.checkMessage(message, what())
            return AttemptError(status: status, message: message)
        }

        func spooledEvent(
            body: [UInt8],
            record: @autoclosure () -> String
        ) throws(SpoolObjectFormat.FormatError) -> SpooledEvent {
            func required<Value>(_ value: Value?, _ tag: Tag) throws(SpoolObjectFormat.FormatError) -> Value {
                guard let value else {
                    throw SpoolObjectFormat.FormatError("\(record()) lacks the required field \(tag.name)")
                }
                return value
            }
            let event = Event(
                id: try required(id, .id),
                type: try required(type, .type),
                source: try required(source, .source),
                time: try required(time, .time),
                subject: subject,
                orderingKey: orderingKey,
                contentType: try required(contentType, .contentType),
                body: body,
                extensions: extensions,
                traceparent: traceparent,
                tracestate: tracestate
            )
            let delivery = DeliveryRecord(
                spooledAt: try required(spooledAt, .spooledAt),
                attempts: try required(attempts, .attempts),
                firstAttemptAt: firstAttemptAt,
                lastAttemptAt: lastAttemptAt,
                nextAttemptAt: try required(nextAttemptAt, .nextAttemptAt),
                lastError: lastError,
                history: history,
                deadReason: deadReason
            )
            return SpooledEvent(event: event, delivery: delivery)
        }
    }
}
