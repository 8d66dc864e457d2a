/// What the ``TestBroker`` does with one complete request: answer it, or misbehave in a scripted way.
///
/// A behaviour is chosen for each request when it has been read in full and recorded, in this order:
/// the schedule (``TestBroker/setSchedule(_:)``) when one is set, else the next behaviour of the FIFO
/// queue (``TestBroker/enqueue(_:)``), else the default (``TestBroker/setDefaultBehavior(_:)``).
///
/// Answers keep the connection alive unless the request asked for `Connection: close` (or was HTTP/1.0
/// without keep-alive) or the scripted headers say `Connection: close`; every fault closes it.
public struct BrokerBehavior: Sendable {
    enum Action: Sendable {
        case respond(EncodedResponse)
        indirect case delay(Duration, then: BrokerBehavior)
        indirect case held(BrokerGate, then: BrokerBehavior)
        case hang
        case close(reset: Bool)
        case closeMidResponse(status: Int, reset: Bool)
        case raw([UInt8])
        case drip(status: Int, body: [UInt8], interval: Duration)
        case largeBody(status: Int, size: Int)
        case echo(status: Int, headers: [(String, String)], body: @Sendable (RecordedRequest) -> String)
    }

    let action: Action

    private init(_ action: Action) {
        self.action = action
    }

    /// Answers with `code`, the given headers in order, and `body` (UTF-8).
    ///
    /// `Content-Length` is added unless `headers` already set `Content-Length` or `Transfer-Encoding`
    /// (so a test can script a lying length); it is left out, with the body, for 1xx, 204 and 304.
    public static func status(_ code: Int, headers: [(String, String)] = [], body: String = "") -> BrokerBehavior {
        .status(code, headers: headers, bodyBytes: Array(body.utf8))
    }

    /// Answers with `code`, the given headers in order, and `bodyBytes` verbatim.
    public static func status(_ code: Int, headers: [(String, String)] = [], bodyBytes: [UInt8]) -> BrokerBehavior {
        BrokerBehavior(.respond(EncodedResponse(status: code, headers: headers, body: bodyBytes)))
    }

    /// Waits `duration` on the connection's event loop, then behaves as `then`.
    public static func delay(_ duration: Duration, then: BrokerBehavior) -> BrokerBehavior {
        BrokerBehavior(.delay(duration, then: then))
    }

    /// Waits until `gate` is opened (``BrokerGate/open()``), then behaves as `then`. The request is recorded
    /// (and counted by ``TestBroker/waitForRequests(count:timeout:)``) before it waits.
    public static func held(by gate: BrokerGate, then: BrokerBehavior) -> BrokerBehavior {
        BrokerBehavior(.held(gate, then: then))
    }

    /// Never answers. The connection stays open until ``TestBroker/stopListening()`` or
    /// ``TestBroker/shutdown()`` closes it (or the client gives up).
    public static let hang = BrokerBehavior(.hang)

    /// Reads the request, then closes the connection (FIN) without writing a byte.
    public static let closeBeforeResponse = BrokerBehavior(.close(reset: false))

    /// Reads the request, then resets the connection (RST, through `SO_LINGER` 0) without writing a byte.
    public static let resetBeforeResponse = BrokerBehavior(.close(reset: true))

    /// Writes a status line and headers promising a body of ``truncatedResponseLength`` bytes, half of that
    /// body, then closes the connection (FIN).
    public static func closeMidResponse(status: Int = 200) -> BrokerBehavior {
        BrokerBehavior(.closeMidResponse(status: status, reset: false))
    }

    /// Like ``closeMidResponse(status:)``, but resets the connection (RST) after half the body.
    public static func resetMidResponse(status: Int = 200) -> BrokerBehavior {
        BrokerBehavior(.closeMidResponse(status: status, reset: true))
    }

    /// Writes `bytes` verbatim (non-HTTP garbage, a hand-made response, …), then closes the connection.
    public static func raw(_ bytes: [UInt8]) -> BrokerBehavior {
        BrokerBehavior(.raw(bytes))
    }

    /// Writes the whole response — status line, headers and body — one byte every `interval`.
    ///
    /// This is a broker that does answer, only too slowly for any sane total timeout.
    public static func drip(status: Int, body: String, interval: Duration) -> BrokerBehavior {
        BrokerBehavior(.drip(status: status, body: Array(body.utf8), interval: interval))
    }

    /// Answers with a body of `size` bytes, streamed as the connection becomes writable so that the
    /// broker never holds more than one chunk of it in memory.
    public static func largeBody(status: Int, size: Int) -> BrokerBehavior {
        BrokerBehavior(.largeBody(status: status, size: max(0, size)))
    }

    /// Answers with `code`, the given headers, and a body made from the request by `body`: a broker that puts
    /// what it was sent (its request headers, say) into its error body, as some do to help debugging.
    public static func echo(
        _ code: Int,
        headers: [(String, String)] = [],
        body: @escaping @Sendable (RecordedRequest) -> String
    ) -> BrokerBehavior {
        BrokerBehavior(.echo(status: code, headers: headers, body: body))
    }

    /// Answers with `code` and, as the body, every request header in one line of JSON, escaped the way
    /// PHP's `json_encode` and Foundation's `JSONSerialization` escape by default (`/` as `\/`):
    /// `{"error":"rejected","headers":{"Authorization":"Basic dXNlcjpw…","Host":"127.0.0.1:…"}}`.
    public static func echoRequestHeaders(_ code: Int) -> BrokerBehavior {
        .echo(code, headers: [("Content-Type", "application/json")]) { request in
            let members = request.headers.map { "\(jsonString($0.name)):\(jsonString($0.value))" }
            return #"{"error":"rejected","headers":{"# + members.joined(separator: ",") + "}}"
        }
    }

    /// `text` as a JSON string, `/` escaped as `\/`, control characters as `\u00XX`.
    private static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\\", "/": escaped += "\\" + String(scalar)
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    /// This behaviour with an ``echo(_:headers:body:)`` turned into the answer to `request`.
    func answering(_ request: @autoclosure () -> RecordedRequest) -> BrokerBehavior {
        switch self.action {
        case .echo(let status, let headers, let body):
            return .status(status, headers: headers, body: body(request()))
        case .delay(let duration, let then):
            return .delay(duration, then: then.answering(request()))
        default:
            return self
        }
    }

    /// The `Content-Length` that ``closeMidResponse(status:)`` and ``resetMidResponse(status:)`` promise;
    /// they write half of it.
    public static let truncatedResponseLength = 1024
}

extension BrokerBehavior: CustomStringConvertible {
    /// The behaviour as it is scripted, e.g. `delay(1.0 seconds, then: status(503))`, for test names and failures.
    public var description: String {
        switch self.action {
        case .respond(let response):
            let headerList = response.headers.isEmpty ? "" : ", headers: \(response.headers.map { "\($0.0): \($0.1)" })"
            let bodySize = response.bodySize == 0 ? "" : ", body: \(response.bodySize) bytes"
            return "status(\(response.status)\(headerList)\(bodySize))"
        case .delay(let duration, let then):
            return "delay(\(duration), then: \(then))"
        case .held(_, let then):
            return "held(then: \(then))"
        case .hang:
            return "hang"
        case .close(let reset):
            return reset ? "resetBeforeResponse" : "closeBeforeResponse"
        case .closeMidResponse(let status, let reset):
            return reset ? "resetMidResponse(status: \(status))" : "closeMidResponse(status: \(status))"
        case .raw(let bytes):
            return "raw(\(bytes.count) bytes)"
        case .drip(let status, let body, let interval):
            return "drip(status: \(status), body: \(body.count) bytes, interval: \(interval))"
        case .largeBody(let status, let size):
            return "largeBody(status: \(status), size: \(size))"
        case .echo(let status, _, _):
            return "echo(\(status))"
        }
    }
}
