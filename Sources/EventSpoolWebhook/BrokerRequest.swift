import EventSpoolHTTP
import EventSpoolModel

import struct Foundation.Data
import struct Foundation.Date
import class Foundation.JSONSerialization

/// The HTTP request that carries one event to a broker: header lines and a body, ready for the
/// transport (``HTTPRequest``). Always a `POST` to the configured URL.
///
/// The mapping is the CloudEvents 1.0 HTTP protocol binding
/// (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md):
///
/// | header | value |
/// |---|---|
/// | `ce-specversion` | `1.0` |
/// | `ce-id` | ``Event/id`` |
/// | `ce-source` | ``Event/source`` |
/// | `ce-type` | ``Event/type`` |
/// | `ce-time` | ``Event/time``, RFC 3339 in UTC |
/// | `ce-subject` | ``Event/subject``, when set |
/// | `ce-<name>` | each of ``Event/extensions`` |
/// | `Content-Type` | ``Event/contentType`` |
/// | `traceparent`, `tracestate` | W3C Trace Context, when set; else the current `ServiceContext`'s |
/// | `Idempotency-Key`, `webhook-id` | ``Event/id`` again: the same on every attempt |
/// | `webhook-timestamp`, `webhook-signature` | Standard Webhooks signature of this attempt, when signing |
/// | configured headers | as configured, then `Authorization` |
///
/// `ce-*` values are percent-encoded as the binding requires (§3.1.3.2). In structured mode the
/// `ce-*` headers are left out and the attributes travel in an `application/cloudevents+json` body.
struct BrokerRequest: Sendable, Hashable {
    /// The header lines in ``HTTPRequest/headerBlock``'s layout, built in one buffer so that a request costs
    /// no allocation per header.
    var headerBlock: [UInt8]
    /// The request body.
    var body: [UInt8]

    /// The header lines in the order they are sent.
    var headerLines: [String] {
        HTTPRequest.headerLines(of: headerBlock)
    }

    /// Lays out `event` in `format`, then appends `headers` (configured, already validated).
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - format: Binary or structured content mode.
    ///   - headers: Configured headers (and `Authorization`), sent last.
    ///   - traceHeaders: Headers injected for the current trace context, sent when the event has no
    ///     `traceparent` of its own.
    ///   - signature: The signer and this attempt's time (unix seconds), when requests are signed.
    init(
        event: Event,
        format: BrokerConfiguration.EventFormat,
        headers: [(name: String, value: String)],
        traceHeaders: [(name: String, value: String)] = [],
        signature: (signer: WebhookSigner, timestamp: Int64)? = nil
    ) {
        var block: [UInt8] = []
        block.reserveCapacity(512)
        func append(_ name: String, _ value: String, percentEncoded: Bool = false) {
            HTTPRequest.appendUTF8(name, to: &block)
            block.append(UInt8(ascii: ":"))
            block.append(UInt8(ascii: " "))
            if percentEncoded {
                Self.appendPercentEncoded(value, to: &block)
            } else {
                HTTPRequest.appendUTF8(value, to: &block)
            }
            block.append(0)
        }
        if format.isStructured {
            append("Content-Type", "application/cloudevents+json; charset=UTF-8")
            body = Self.structuredBody(of: event)
        } else {
            append("ce-specversion", "1.0")
            append("ce-id", event.id, percentEncoded: true)
            append("ce-source", event.source, percentEncoded: true)
            append("ce-type", event.type, percentEncoded: true)
            append("ce-time", Self.timestamp(event.time))
            if let subject = event.subject {
                append("ce-subject", subject, percentEncoded: true)
            }
            for name in event.extensions.keys.sorted() {
                append("ce-" + name, event.extensions[name] ?? "", percentEncoded: true)
            }
            append("Content-Type", event.contentType)
            body = event.body
        }
        if let traceparent = event.traceparent {
            append("traceparent", traceparent)
            if let tracestate = event.tracestate {
                append("tracestate", tracestate)
            }
        } else {
            for header in traceHeaders {
                append(header.name, header.value)
            }
        }
        append("Idempotency-Key", event.id)
        append("webhook-id", event.id)
        if let (signer, timestamp) = signature {
            append("webhook-timestamp", String(timestamp))
            append("webhook-signature", signer.signature(id: event.id, timestamp: timestamp, body: body))
        }
        for header in headers {
            append(header.name, header.value)
        }
        headerBlock = block
    }

    /// Header names the client sets itself, which a configured header must not replace.
    static let reservedHeaderNames: Set<String> = [
        "content-type", "content-length", "transfer-encoding", "host", "expect", "connection",
        "idempotency-key", "traceparent", "tracestate", "webhook-id", "webhook-timestamp", "webhook-signature",
    ]

    /// A header value percent-encoded as CloudEvents HTTP binding §3.1.3.2 requires: space, `"`,
    /// `%` and every character outside printable ASCII (U+0021–U+007E) become the `%XY` of each of
    /// their UTF-8 bytes, upper-case hex. Everything else is sent as it is.
    static func percentEncoded(_ value: String) -> String {
        var encoded: [UInt8] = []
        appendPercentEncoded(value, to: &encoded)
        return String(decoding: encoded, as: UTF8.self)
    }

    private static func appendPercentEncoded(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            func needsEncoding(_ byte: UInt8) -> Bool {
                byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "%")
            }
            // Ids, sources and types rarely need encoding: then the bytes are copied in one go.
            guard utf8.contains(where: needsEncoding) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                if needsEncoding(byte) {
                    bytes.append(UInt8(ascii: "%"))
                    bytes.append(upperHexDigits[Int(byte >> 4)])
                    bytes.append(upperHexDigits[Int(byte & 0x0F)])
                } else {
                    bytes.append(byte)
                }
            }
        }
    }

    private static let upperHexDigits = Array("0123456789ABCDEF".utf8)

    /// An RFC 3339 timestamp in UTC: `2024-05-01T12:00:00Z`, with `.SSS` or `.SSSSSS` when the time
    /// has a fraction of a second (three or six digits, which every common parser accepts).
    static func timestamp(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, fraction) =
            microseconds >= 0 || microseconds % 1_000_000 == 0
            ? (microseconds / 1_000_000, microseconds % 1_000_000)
            : (microseconds / 1_000_000 - 1, microseconds % 1_000_000 + 1_000_000)
        let civil = CivilTime(secondsSince1970: seconds)
        var text: [UInt8] = []
        text.reserveCapacity(27)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = max(0, value)
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(civil.year, 4)
        text.append(UInt8(ascii: "-"))
        digits(civil.month, 2)
        text.append(UInt8(ascii: "-"))
        digits(civil.day, 2)
        text.append(UInt8(ascii: "T"))
        digits(civil.hour, 2)
        text.append(UInt8(ascii: ":"))
        digits(civil.minute, 2)
        text.append(UInt8(ascii: ":"))
        digits(civil.second, 2)
        if fraction != 0 {
            text.append(UInt8(ascii: "."))
            if fraction % 1000 == 0 {
                digits(Int(fraction / 1000), 3)
            } else {
                digits(Int(fraction), 6)
            }
        }
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// The event in the CloudEvents JSON format: attributes as members, the body in `data` when the
    /// content type is JSON and the body is valid JSON (embedded as it is, byte for byte), in
    /// `data_base64` otherwise, and no data member for an empty body.
    static func structuredBody(of event: Event) -> [UInt8] {
        var members: [(String, String)] = [
            ("specversion", "1.0"),
            ("id", event.id),
            ("source", event.source),
            ("type", event.type),
            ("time", timestamp(event.time)),
        ]
        if let subject = event.subject {
            members.append(("subject", subject))
        }
        members.append(("datacontenttype", event.contentType))
        for name in event.extensions.keys.sorted() {
            members.append((name, event.extensions[name] ?? ""))
        }
        if let traceparent = event.traceparent {
            members.append(("traceparent", traceparent))
            if let tracestate = event.tracestate {
                members.append(("tracestate", tracestate))
            }
        }

        var json: [UInt8] = []
        json.reserveCapacity(event.body.count * 4 / 3 + 512)
        json.append(UInt8(ascii: "{"))
        for (index, (name, value)) in members.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &json)
            json.append(UInt8(ascii: ":"))
            appendJSONString(value, to: &json)
        }
        if !event.body.isEmpty {
            if isJSONMediaType(event.contentType) && isValidJSON(event.body) {
                json.append(contentsOf: #","data":"#.utf8)
                json.append(contentsOf: event.body)
            } else {
                json.append(contentsOf: #","data_base64":"#.utf8)
                appendJSONString(Data(event.body).base64EncodedString(), to: &json)
            }
        }
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// `application/json`, `text/json` or any `+json` type, parameters ignored.
    static func isJSONMediaType(_ contentType: String) -> Bool {
        let mediaType = (contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? "")
            .trimmingWhitespace().lowercased()
        return mediaType == "application/json" || mediaType == "text/json" || mediaType.hasSuffix("+json")
    }

    private static func isValidJSON(_ body: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil
    }

    private static func appendJSONString(_ value: String, to json: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        json.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                json.append(UInt8(ascii: "\\"))
                json.append(byte)
            case 0x0A:
                json.append(contentsOf: #"\n"#.utf8)
            case 0x0D:
                json.append(contentsOf: #"\r"#.utf8)
            case 0x09:
                json.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                json.append(contentsOf: #"\u00"#.utf8)
                json.append(hex[Int(byte >> 4)])
                json.append(hex[Int(byte & 0x0F)])
            default:
                json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
