/// What a broker said to one delivery attempt, before any policy judged it.
///
/// The webhook delivery makes it: the final status and the raw `Retry-After`, or that no usable answer
/// came, and the answer in words for a person. ``DeliveryClassification`` — a pure policy — turns it into a
/// ``DeliveryResult``: delivered, retry later, permanent, or endpoint gone.
package struct DeliveryAnswer: Sendable, Hashable {
    /// What came back.
    package enum Reply: Sendable, Hashable {
        /// A final HTTP answer (its body may have been cut at a cap): the status and the raw `Retry-After`
        /// value, `nil` when the header was absent.
        case answered(status: Int, retryAfter: String?)
        /// No usable answer: refused, reset, DNS, TLS, timed out, closed early, not HTTP, cancelled, shut down.
        /// `status` when a response was cut off after its status line.
        case failed(status: Int?)
        /// Not sent: the event cannot be sent as it is (it fails validation), so sending it again cannot help.
        case notSent
    }

    /// What came back.
    package var reply: Reply
    /// What went wrong, in words for a person, secrets cut out, naming the URL: `HTTP 503 from
    /// https://broker.example.com/events: overloaded`, `connection refused: …`. `nil` for a 2xx answer,
    /// which needs no explanation.
    package var problem: String?
    /// How long the attempt took.
    package var duration: Duration

    package init(reply: Reply, problem: String?, duration: Duration) {
        self.reply = reply
        self.problem = problem
        self.duration = duration
    }

    /// The HTTP status, when the broker answered (also one whose answer was cut off).
    package var status: Int? {
        switch reply {
        case .answered(let status, _): status
        case .failed(let status): status
        case .notSent: nil
        }
    }
}
