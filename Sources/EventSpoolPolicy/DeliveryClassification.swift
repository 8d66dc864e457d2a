import EventSpoolModel

public import struct Foundation.Date

/// How a broker's answer is classified: which statuses are retried, which mean the endpoint is gone,
/// and how `Retry-After` is bounded. This is the one place a delivery attempt becomes a
/// ``DeliveryResult`` (``result(for:now:)``).
///
/// | answer | outcome |
/// |---|---|
/// | 2xx | ``DeliveryResult/Outcome/delivered`` |
/// | a status in ``retryableStatuses`` (408, 425, 429, 500, 502, 503, 504) | ``DeliveryResult/Outcome/retryable(retryAfter:)``, with `Retry-After` |
/// | a status in ``goneStatuses`` (410) | ``DeliveryResult/Outcome/endpointGone`` |
/// | any other status from 100 to 599 (other 4xx, 501, 3xx, a final 1xx) | ``DeliveryResult/Outcome/permanent`` |
/// | a status outside 100–599 | retryable: not a valid HTTP answer |
/// | no answer: refused, reset, DNS, TLS, timeouts, closed early, not HTTP, cancelled | retryable, no `Retry-After` |
/// | not sent: the event fails validation | ``DeliveryResult/Outcome/permanent`` |
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

    /// Classifies what a broker said to one attempt. A pure function of its arguments.
    ///
    /// A final answer is classified by its status (``outcome(status:retryAfter:now:)``); no usable answer is
    /// retryable without a wait; an event that could not be sent as it is, permanent. The answer's words
    /// become the result's ``DeliveryResult/error`` unless it is delivered.
    ///
    /// - Parameters:
    ///   - answer: What the broker said, unclassified.
    ///   - now: The current wall-clock time, against which an HTTP-date `Retry-After` is measured.
    package func result(for answer: DeliveryAnswer, now: Date) -> DeliveryResult {
        let outcome: DeliveryResult.Outcome
        switch answer.reply {
        case .answered(let status, let retryAfter):
            outcome = self.outcome(status: status, retryAfter: retryAfter, now: now)
        case .failed:
            outcome = .retryable(retryAfter: nil)
        case .notSent:
            outcome = .permanent
        }
        let error =
            outcome == .delivered ? nil : answer.problem.map { AttemptError(status: answer.status, message: $0) }
        return DeliveryResult(outcome: outcome, status: answer.status, error: error, duration: answer.duration)
    }
}
