/// One complete request as the ``TestBroker`` received it.
public struct RecordedRequest: Sendable {
    /// The request method, e.g. `POST`.
    public var method: String
    /// The request target as sent, e.g. `/events?x=1`.
    public var uri: String
    /// Every header field in arrival order, names as sent.
    public var headers: [(name: String, value: String)]
    /// The request body (de-chunked when it came with `Transfer-Encoding: chunked`).
    public var body: [UInt8]
    /// Which accepted connection carried the request: 1 for the first connection the broker accepted.
    public var connectionID: Int

    public init(
        method: String,
        uri: String,
        headers: [(name: String, value: String)],
        body: [UInt8],
        connectionID: Int
    ) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.connectionID = connectionID
    }

    /// The first value of the header `name`, compared case-insensitively, or `nil` when it is absent.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the header `name`, compared case-insensitively, in arrival order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return self.headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The body decoded as UTF-8 (invalid sequences repaired), for readable assertions.
    public var bodyText: String {
        String(decoding: self.body, as: UTF8.self)
    }
}
