import EventSpool
import Foundation

/// Everything about one spooled event, for `show`: the fields of ``EventRow`` and the details below, every
/// one always present (`null` when it has no value).
struct EventDetail: JSONFields {
    struct AttemptText: JSONFields {
        var time: String
        var error: String?

        var jsonFields: [(String, (any Encodable)?)] { [("time", time), ("error", error)] }
    }

    var row: EventRow
    var contentType: String
    var extensions: [String: String]
    var traceparent: String?
    var firstAttemptAt: String?
    var lastAttemptAt: String?
    var history: [AttemptText]

    init(_ spooled: SpooledEvent, key: SpoolKey, state: SpoolState) {
        row = EventRow(spooled, key: key, state: state)
        contentType = spooled.event.contentType
        extensions = spooled.event.extensions
        traceparent = spooled.event.traceparent
        firstAttemptAt = spooled.delivery.firstAttemptAt.map(TimeText.iso8601)
        lastAttemptAt = spooled.delivery.lastAttemptAt.map(TimeText.iso8601)
        history = spooled.delivery.history.map {
            AttemptText(time: TimeText.iso8601($0.time), error: $0.error?.message)
        }
    }

    func text() -> String {
        // The last error is left out when the dead reason quotes it already.
        let lastError = row.problem == row.deadReason && row.deadReason != nil ? nil : row.lastError
        var lines: [(String, String?)] = [
            ("id", row.id), ("type", row.type), ("source", row.source), ("subject", row.subject),
            ("time", row.time), ("content type", contentType), ("ordering key", row.orderingKey),
            ("traceparent", traceparent), ("size", "\(row.size) bytes"), ("object", row.key), ("state", row.state),
            ("spooled at", row.createdAt), ("attempts", row.attempts.map(String.init)),
            ("first attempt", firstAttemptAt), ("last attempt", lastAttemptAt), ("next attempt", row.nextAttemptAt),
            ("last error", lastError), ("dead reason", row.deadReason),
        ]
        for (name, value) in extensions.sorted(by: { $0.key < $1.key }) {
            lines.append(("ce-\(name)", value))
        }
        var text = lines.compactMap { name, value in
            value.map { EventTable.pad(Self.shown(name) + ":", 15) + " " + Self.shown($0) }
        }.joined(separator: "\n")
        if !history.isEmpty {
            text += "\nhistory:"
            for attempt in history {
                text += "\n  \(attempt.time)  \(attempt.error.map(Self.shown) ?? "delivered")"
            }
        }
        return text
    }

    /// A value read from the spool as a terminal may show it: control characters escaped (``LoggedText``),
    /// so that a dead reason holding ESC or a line break can neither drive the terminal nor forge a line.
    /// Never cut short in practice: the reader bounds every text of an object far below this.
    static func shown(_ value: String) -> String {
        LoggedText(value, maxBytes: 1 << 20).description
    }

    /// The row's fields, then the details.
    var jsonFields: [(String, (any Encodable)?)] {
        row.jsonFields + [
            ("contentType", contentType), ("extensions", extensions), ("traceparent", traceparent),
            ("firstAttemptAt", firstAttemptAt), ("lastAttemptAt", lastAttemptAt), ("history", history),
        ]
    }
}
