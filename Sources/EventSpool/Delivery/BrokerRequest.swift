import struct Foundation.Data
import struct Foundation.Date
import class Foundation.JSONSerialization

/// The HTTP request that carries one event to a broker: header lines and a body, ready for the
/// transport. Always a `POST` to the configured URL.
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
/// | `traceparent`, `tracestate` | W3C Trace Context, when set |
/// | `Idempotency-Key` | ``Event/id`` again: the same on every attempt |
/// | configured headers | as configured (authentication and the like) |
///
/// `ce-*` values are percent-encoded as the binding requires (§3.1.3.2). In structured mode the
/// `ce-*` headers are left out and the attributes travel in an `application/cloudevents+json` body.
struct BrokerRequest: Sendable, Hashable {
    /// `Name: value` lines, in the order they are sent.
    var headerLines: [String]
    /// The request body.
    var body: [UInt8]

    /// Lays out `event` in `format`, then appends `headers` (configured, already validated).
    init(event: Event, format: BrokerConfiguration.EventFormat, headers: [(name: String, value: String)]) {
        var lines: [String] = []
        lines.reserveCapacity(10 + event.extensions.count + headers.count)
        if format.isStructured {
            lines.append("Content-Type: application/cloudevents+json; charset=UTF-8")
            body = Self.structuredBody(of: event)
        } else {
            lines.append("ce-specversion: 1.0")
            lines.append("ce-id: " + Self.percentEncoded(event.id))
            lines.append("ce-source: " + Self.percentEncoded(event.source))
            lines.append("ce-type: " + Self.percentEncoded(event.type))
            lines.append("ce-time: " + Self.timestamp(event.time))
            if let subject = event.subject {
                lines.append("ce-subject: " + Self.percentEncoded(subject))
            }
            for name in event.extensions.keys.sorted() {
                lines.append("ce-\(name): " + Self.percentEncoded(event.extensions[name] ?? ""))
            }
            lines.append("Content-Type: " + event.contentType)
            body = event.body
        }
        if let traceparent = event.traceparent {
            lines.append("traceparent: " + traceparent)
            if let tracestate = event.tracestate {
                lines.append("tracestate: " + tracestate)
            }
        }
        lines.append("Idempotency-Key: " + event.id)
        for header in headers {
            lines.append(header.name + ": " + header.value)
        }
        headerLines = lines
    }

    /// Header names the client sets itself, which a configured header must not replace.
    static let reservedHeaderNames: Set<String> = [
        "content-type", "content-length", "transfer-encoding", "host", "expect", "connection",
        "idempotency-key", "traceparent", "tracestate",
    ]

    /// A header value percent-encoded as CloudEvents HTTP binding §3.1.3.2 requires: space, `"`,
    /// `%` and every character outside printable ASCII (U+0021–U+007E) become the `%XY` of each of
    /// their UTF-8 bytes, upper-case hex. Everything else is sent as it is.
    static func percentEncoded(_ value: String) -> String {
        func needsEncoding(_ byte: UInt8) -> Bool {
            byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "%")
        }
        let utf8 = value.utf8
        guard utf8.contains(where: needsEncoding) else { return value }
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(utf8.count * 3)
        for byte in utf8 {
            if needsEncoding(byte) {
                encoded.append(UInt8(ascii: "%"))
                encoded.append(hex[Int(byte >> 4)])
                encoded.append(hex[Int(byte & 0x0F)])
            } else {
                encoded.append(byte)
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// An RFC 3339 timestamp in UTC: `2024-05-01T12:00:00Z`, with `.SSS` or `.SSSSSS` when the time
    /// has a fraction of a second (three or six digits, which every common parser accepts).
    static func timestamp(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, fraction) =
            microseconds >= 0 || microseconds % 1_000_000 == 0
            ? (microseconds / 1_000_000, microseconds % 1_000_000)
            : (microseconds / 1_000_000 - 1, microseconds % 1_000_000 + 1_000_000)
        let civil = CivilTime(secondsSince1970: seconds)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text =
            "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))"
            + "T\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2))"
        if fraction != 0 {
            text += fraction % 1000 == 0 ? "." + pad(Int(fraction / 1000), 3) : "." + pad(Int(fraction), 6)
        }
        return text + "Z"
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
