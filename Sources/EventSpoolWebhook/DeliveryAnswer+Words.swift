import EventSpoolHTTP
import EventSpoolModel

extension DeliveryAnswer {
    /// A final HTTP answer, with what it says in words for people when it is not a 2xx:
    /// `HTTP 503 from http://127.0.0.1:5555/events: overloaded` (the status and the first line of the body).
    ///
    /// - Parameters:
    ///   - status: The final status code.
    ///   - retryAfter: The raw `Retry-After` value, `nil` when absent.
    ///   - body: The start of the response body (it may have been cut at a cap), secrets already cut out.
    ///   - url: The broker URL, already free of credentials.
    ///   - duration: How long the attempt took.
    init(status: Int, retryAfter: String?, body: some Collection<UInt8>, url: String, duration: Duration) {
        var problem: String?
        if !(200...299).contains(status) {
            var message = "HTTP \(status) from \(url)"
            if (300...399).contains(status) {
                message += " (redirects are not followed)"
            } else if !(100...599).contains(status) {
                message += " (not a valid HTTP status)"
            }
            let firstLine = Self.firstLine(of: body)
            if !firstLine.isEmpty {
                message += ": " + firstLine
            }
            problem = message
        }
        self.init(reply: .answered(status: status, retryAfter: retryAfter), problem: problem, duration: duration)
    }

    /// A request that got no usable HTTP answer, and why in words.
    init(_ failure: TransportFailure, url: String, duration: Duration) {
        var status: Int?
        if case .closedMidResponse(let received) = failure {
            status = received
        }
        self.init(reply: .failed(status: status), problem: failure.message(url: url), duration: duration)
    }

    /// The first non-empty line of a body, as printable text: invalid UTF-8 and control characters
    /// become U+FFFD or spaces, so a binary or hostile body cannot break a log line or a report.
    static func firstLine(of body: some Collection<UInt8>) -> String {
        let prefix = body.prefix(AttemptError.maxMessageBytes * 2)
        let text = String(decoding: prefix, as: UTF8.self)
        let line =
            text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let printable = String(
            String.UnicodeScalarView(
                line.unicodeScalars.map { scalar in
                    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? " " : scalar
                }
            )
        )
        return printable.trimmingWhitespace()
    }
}
