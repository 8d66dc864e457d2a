/// How to reach one webhook broker.
public struct BrokerConfiguration: Sendable, Hashable {
    /// Time limits for one delivery attempt.
    public struct Timeout: Sendable, Hashable {
        /// The longest wait for a TCP (and TLS) connection.
        public var connect: Duration
        /// The longest one whole request may take, connection included.
        public var total: Duration

        public init(connect: Duration = .seconds(2), total: Duration = .seconds(5)) {
            self.connect = connect
            self.total = total
        }
    }

    /// The URL events are POSTed to, `http` or `https`.
    public var url: String
    /// Time limits for one attempt.
    public var timeout: Timeout
    /// Extra headers sent with every request (values are never logged).
    public var headers: [String: String]
    /// The most connections kept open to the broker; requests beyond wait for a free one.
    public var maxConnections: Int
    /// The most response-body bytes kept for error messages; the rest is discarded unread.
    public var maxResponseBodyBytes: Int

    /// Creates a broker configuration.
    ///
    /// - Parameters:
    ///   - url: The URL events are POSTed to.
    ///   - timeout: Time limits for one attempt.
    ///   - headers: Extra headers for every request.
    ///   - maxConnections: The most connections kept open to the broker.
    ///   - maxResponseBodyBytes: The most response-body bytes kept for error messages.
    public init(
        url: String,
        timeout: Timeout = Timeout(),
        headers: [String: String] = [:],
        maxConnections: Int = 16,
        maxResponseBodyBytes: Int = 64 * 1024
    ) {
        self.url = url
        self.timeout = timeout
        self.headers = headers
        self.maxConnections = maxConnections
        self.maxResponseBodyBytes = maxResponseBodyBytes
    }
}
