import EventSpoolHTTP
import EventSpoolModel

/// How to reach one webhook broker.
///
/// Its description (and debug description and mirror) never shows a secret: header values, the URL's
/// user name and password, credentials and signing secrets print as `<redacted>`.
public struct BrokerConfiguration: Sendable, Hashable {
    /// How an event is laid out in a request: the two content modes of the CloudEvents HTTP binding.
    public struct EventFormat: Sendable, Hashable, CustomStringConvertible {
        private enum Mode: Hashable {
            case binary
            case structured
        }

        private let mode: Mode

        /// Binary content mode (the default): the body is the event's body as it is, `Content-Type` is
        /// the event's content type, and the attributes travel as `ce-*` headers.
        public static let binary = EventFormat(mode: .binary)
        /// Structured content mode: the body is the whole event as `application/cloudevents+json`,
        /// the payload in `data` when it is JSON and in `data_base64` otherwise.
        public static let structured = EventFormat(mode: .structured)

        /// Whether this is structured content mode.
        var isStructured: Bool { mode == .structured }

        public var description: String {
            switch mode {
            case .binary: return "binary"
            case .structured: return "structured"
            }
        }
    }

    /// The URL events are POSTed to, `http` or `https`.
    public var url: String
    /// The longest wait for a TCP (and TLS) connection (`connectTimeout`).
    public var connectTimeout: Duration
    /// The longest one whole attempt may take, connection included (`timeout`).
    public var timeout: Duration
    /// Extra headers sent with every request (values are never logged).
    public var headers: [String: String]
    /// Credentials sent as an `Authorization` header: none, bearer token or basic.
    public var auth: Authentication
    /// Standard Webhooks signing secrets; requests are signed when there is at least one.
    public var signing: Signing
    /// TLS trust, client certificate and minimum version for an `https` broker.
    public var tls: TLS
    /// The most connections kept open to the broker; requests beyond wait for a free one.
    public var maxConnections: Int
    /// The most response-body bytes kept for error messages; beyond it the transfer is stopped and
    /// the answer classified by the status already received.
    public var maxResponseBodyBytes: Int
    /// How events are laid out in a request: CloudEvents binary (default) or structured mode.
    public var eventFormat: EventFormat
    /// Whether credentials (auth, extra headers, the URL's userinfo) may go in clear text over plain `http`
    /// to a host that is not this machine. Off by default: such a client is refused when it is made.
    public var allowInsecureCredentials: Bool

    /// Creates a broker configuration.
    ///
    /// - Parameters:
    ///   - url: The URL events are POSTed to.
    ///   - connectTimeout: The longest wait for a connection.
    ///   - timeout: The longest one whole attempt may take, connection included.
    ///   - headers: Extra headers for every request.
    ///   - maxConnections: The most connections kept open to the broker.
    ///   - maxResponseBodyBytes: The most response-body bytes kept for error messages.
    ///   - eventFormat: CloudEvents binary (default) or structured content mode.
    ///   - auth: Credentials for an `Authorization` header.
    ///   - signing: Standard Webhooks signing secrets.
    ///   - tls: TLS settings for an `https` broker.
    ///   - allowInsecureCredentials: Whether credentials may go in clear text over plain `http` to another
    ///     machine.
    public init(
        url: String,
        connectTimeout: Duration = .seconds(2),
        timeout: Duration = .seconds(5),
        headers: [String: String] = [:],
        maxConnections: Int = 16,
        maxResponseBodyBytes: Int = 64 * 1024,
        eventFormat: EventFormat = .binary,
        auth: Authentication = .none,
        signing: Signing = .none,
        tls: TLS = .default,
        allowInsecureCredentials: Bool = false
    ) {
        self.url = url
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.headers = headers
        self.auth = auth
        self.signing = signing
        self.tls = tls
        self.maxConnections = maxConnections
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.eventFormat = eventFormat
        self.allowInsecureCredentials = allowInsecureCredentials
    }
}

extension BrokerConfiguration.EventFormat {
    /// Parses `binary` or `structured`.
    public init?(_ name: String) {
        switch name {
        case "binary": self = .binary
        case "structured": self = .structured
        default: return nil
        }
    }
}

extension BrokerConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Every setting, with header values, URL credentials, auth and signing secrets as `<redacted>`.
    public var description: String {
        let headerList = headers.keys.sorted().map { "\($0): <redacted>" }.joined(separator: ", ")
        return
            "BrokerConfiguration(url: \(HTTPURL.masked(url)), connectTimeout: \(connectTimeout), "
            + "timeout: \(timeout), headers: [\(headerList)], auth: \(auth), signing: \(signing), tls: \(tls), "
            + "eventFormat: \(eventFormat), maxConnections: \(maxConnections), "
            + "maxResponseBodyBytes: \(maxResponseBodyBytes), allowInsecureCredentials: \(allowInsecureCredentials))"
    }

    public var debugDescription: String { description }

    /// The same redacted view for `dump` and other reflection.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "url": HTTPURL.masked(url),
                "connectTimeout": connectTimeout,
                "timeout": timeout,
                "headers": headers.mapValues { _ in "<redacted>" },
                "auth": auth,
                "signing": signing,
                "tls": tls,
                "eventFormat": eventFormat,
                "maxConnections": maxConnections,
                "maxResponseBodyBytes": maxResponseBodyBytes,
                "allowInsecureCredentials": allowInsecureCredentials,
            ],
            displayStyle: .struct
        )
    }
}
