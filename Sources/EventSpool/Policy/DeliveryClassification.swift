import EventSpoolModel

public import struct Foundation.Date

/// How a broker's answer is classified: which statuses are retried, which mean the endpoint is gone,
/// and how `Retry-After` is bounded. This is the one place a delivery attempt becomes a
/// ``DeliveryResult``.
///
/// | answer | outcome |
/// |---|---|
/// | 2xx | ``DeliveryResult/Outcome/delivered`` |
/// | a status in ``retryableStatuses`` (408, 425, 429, 500, 502, 503, 504) | ``DeliveryResult/Outcome/retryable(retryAfter:)``, with `Retry-After` |
/// | a status in ``goneStatuses`` (410) | ``DeliveryResult/Outcome/endpointGone`` |
/// | any other status from 100 to 599 (other 4xx, 501, 3xx, a final 1xx) | ``DeliveryResult/Outcome/permanent`` |
/// | a status outside 100–599 | retryable: not a valid HTTP answer |
/// | no answer: refused, reset, DNS, TLS, timeouts, closed early, not HTTP, cancelled | retryable, no `Retry-After` |
///
/// A 2xx is always delivered, even when a configuration lists it elsewhere: the broker has the
/// event, and sending it again would only make a duplicate.
public struct DeliveryClassification: Sendable, Hashable {
    /// Statuses worth retrying later.
    public var retryableStatuses: Set<Int>
    /// Statuses that mean the endpoint no longer exists.
    public var goneStatuses: Set<Int>
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    public var maxRetryAfter: Duration
    /// The wait used when `Retry-After` is present but cannot be parsed.
    public var defaultRetryAfter: Duration

    public init(
        retryableStatuses: Set<Int> = [408, 425, 429, 500, 502, 503, 504],
        goneStatuses: Set<Int> = [410],
        maxRetryAfter: Duration = .seconds(6 * 3600),
        defaultRetryAfter: Duration = .seconds(60)
    ) {
        self.retryableStatuses = retryableStatuses
        self.goneStatuses = goneStatuses
        self.maxRetryAfter = maxRetryAfter
        self.defaultRetryAfter = defaultRetryAfter
    }

    /// The class of a final HTTP answer. A pure function of its arguments.
    ///
    /// - Parameters:
    ///   - status: The final status code.
    ///   - retryAfter: The raw `Retry-After` header value, `nil` when the header was absent.
    ///   - now: The current wall-clock time, against which an HTTP-date `Retry-After` is measured.
    public func outcome(status: Int, retryAfter: String?, now: Date) -> DeliveryResult.Outcome {
        if (200...299).contains(status) {
            return .delivered
        }
        if !(100...599).contains(status) {
            return .retryable(retryAfter: nil)
        }
        if goneStatuses.contains(status) {
            return .endpointGone
        }
        if retryableStatuses.contains(status) {
            return .retryable(retryAfter: retryAfterDelay(retryAfter, now: now))
        }
        return .permanent
    }

    /// The class of a final HTTP answer given all its headers; `Retry-After` is looked up by name
    /// without regard to case, and the first one counts.
    public func outcome(
        status: Int,
        headers: some Sequence<(name: String, value: String)>,
        now: Date
    ) -> DeliveryResult.Outcome {
        let retryAfter = headers.first { $0.name.lowercased() == "retry-after" }?.value
        return outcome(status: status, retryAfter: retryAfter, now: now)
    }

    /// How long a `Retry-After` header value asks the client to wait.
    ///
    /// Delta-seconds (`120`) or an HTTP-date in any of its three forms, measured from `now`.
    /// A date in the past means no wait (zero). Any wait is capped at ``maxRetryAfter``.
    /// A value that is neither — negative, fractional, garbage — gives ``defaultRetryAfter``.
    ///
    /// - Returns: `nil` when `value` is `nil` (the header was absent).
    public func retryAfterDelay(_ value: String?, now: Date) -> Duration? {
        guard let value else { return nil }
        let text = value.trimmingWhitespace()
        let nowSeconds = now.timeIntervalSince1970
        let delay: Duration
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Too many digits for an Int64 is still a (absurdly) long wait: cap it, don't default it.
            delay = Int64(text).map { .seconds($0) } ?? maxRetryAfter
        } else if let date = HTTPDate.parse(text, nowSecondsSince1970: Int64(nowSeconds.rounded(.down))) {
            let seconds = Double(date) - nowSeconds
            delay = seconds > 0 ? .milliseconds(Int64((seconds * 1000).rounded(.up))) : .zero
        } else {
            delay = defaultRetryAfter
        }
        return min(max(delay, .zero), maxRetryAfter)
    }

    /// Classifies a final HTTP answer and says what went wrong in words for people:
    /// `HTTP 503 from http://127.0.0.1:5555/events: overloaded` (the status and the first line of
    /// the body).
    ///
    /// - Parameters:
    ///   - status: The final status code.
    ///   - retryAfter: The raw `Retry-After` value, `nil` when absent.
    ///   - body: The start of the response body (it may have been cut at a cap).
    ///   - url: The broker URL, already free of credentials.
    ///   - duration: How long the attempt took.
    ///   - now: The current wall-clock time.
    public func result(
        status: Int,
        retryAfter: String?,
        body: some Collection<UInt8>,
        url: String,
        duration: Duration,
        now: Date
    ) -> DeliveryResult {
        let outcome = outcome(status: status, retryAfter: retryAfter, now: now)
        guard outcome != .delivered else {
            return DeliveryResult(outcome: .delivered, status: status, error: nil, duration: duration)
        }
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
        return DeliveryResult(
            outcome: outcome,
            status: status,
            error: AttemptError(status: status, message: message),
            duration: duration
        )
    }

    /// Classifies a request that got no usable HTTP answer: always retryable, without a wait.
    func result(for failure: TransportFailure, url: String, duration: Duration) -> DeliveryResult {
        var status: Int?
        if case .closedMidResponse(let received) = failure {
            status = received
        }
        return DeliveryResult(
            outcome: .retryable(retryAfter: nil),
            status: status,
            error: AttemptError(status: status, message: failure.message(url: url)),
            duration: duration
        )
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
