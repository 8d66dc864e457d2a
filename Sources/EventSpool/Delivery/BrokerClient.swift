public import Logging

/// Delivers events to one broker over HTTP (libcurl), reusing keep-alive connections.
///
/// Each ``deliver(_:)`` POSTs one event (see `docs/delivery.md` for every header) and classifies the
/// answer with a ``DeliveryClassification``. Transfers run on a thread of the client's own, on
/// libcurl's multi interface, so any number of tasks can deliver at once without blocking Swift's
/// cooperative pool; at most ``BrokerConfiguration/maxConnections`` connections are open.
///
/// Call ``shutdown()`` when done.
public final class BrokerClient: Sendable {
    /// The broker's URL, without any credentials it was configured with.
    public let url: String

    private let transport: CurlTransport
    private let brokerURL: BrokerURL
    private let format: BrokerConfiguration.EventFormat
    private let headers: [(name: String, value: String)]
    private let classification: DeliveryClassification
    private let clock: any WallClock
    private let logger: Logger
    /// Configured header values and URL credentials, cut out of any message.
    private let secrets: [String]

    /// Creates a client; no connection is made until the first delivery.
    ///
    /// - Parameters:
    ///   - configuration: The broker's URL, timeouts, headers and limits.
    ///   - classification: How answers are classified.
    ///   - clock: The wall clock `Retry-After` dates are measured against.
    ///   - logger: Where each attempt is logged, at debug level.
    /// - Throws: ``BrokerClientError`` when the configuration is unusable (bad URL, libcurl setup).
    public init(
        configuration: BrokerConfiguration,
        classification: DeliveryClassification = DeliveryClassification(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(BrokerClientError) {
        let brokerURL = try BrokerURL(configuration.url)
        func invalid(_ message: String) -> BrokerClientError {
            BrokerClientError(url: brokerURL.redacted, message: message)
        }
        guard configuration.timeout.connect > .zero else {
            throw invalid("timeout.connect must be positive, not \(configuration.timeout.connect)")
        }
        guard configuration.timeout.total > .zero else {
            throw invalid("timeout.total must be positive, not \(configuration.timeout.total)")
        }
        guard configuration.maxConnections >= 1 else {
            throw invalid("maxConnections must be at least 1, not \(configuration.maxConnections)")
        }
        guard configuration.maxResponseBodyBytes >= 0 else {
            throw invalid("maxResponseBodyBytes must not be negative, not \(configuration.maxResponseBodyBytes)")
        }
        var headers: [(name: String, value: String)] = []
        for name in configuration.headers.keys.sorted() {
            let value = configuration.headers[name] ?? ""
            // Never echo the value: it may be a secret.
            if let problem = Self.problem(withHeaderName: name, value: value) {
                throw invalid("header '\(Self.printable(name))' \(problem)")
            }
            headers.append((name, value))
        }

        self.url = brokerURL.redacted
        self.brokerURL = brokerURL
        self.format = configuration.eventFormat
        self.headers = headers
        self.classification = classification
        self.clock = clock
        self.logger = logger
        self.secrets = Self.secrets(headers: headers, url: brokerURL)
        self.transport = try CurlTransport(
            settings: CurlTransport.Settings(
                url: brokerURL,
                connectTimeout: configuration.timeout.connect,
                totalTimeout: configuration.timeout.total,
                maxConnections: configuration.maxConnections,
                maxResponseBodyBytes: configuration.maxResponseBodyBytes
            )
        )
    }

    /// Sends one event and classifies the answer. Never throws: every failure is a result.
    ///
    /// Runs no blocking call on the caller's thread: the transfer happens on the client's own thread.
    /// Cancelling the calling task stops the transfer and gives a retryable result.
    /// An event that fails ``Event/validate(maxBodyBytes:)`` is not sent: the result is permanent.
    public func deliver(_ event: Event) async -> DeliveryResult {
        await deliver(event, validating: true)
    }

    /// ``deliver(_:)``, without validating the event again when the caller has just done so
    /// (`validating: false`): the publisher validates every event against its own body limit.
    func deliver(_ event: Event, validating: Bool) async -> DeliveryResult {
        let started = ContinuousClock.now
        do {
            if validating { try event.validate(maxBodyBytes: .max) }
        } catch {
            return DeliveryResult(
                outcome: .permanent,
                status: nil,
                error: AttemptError(status: nil, message: "\(error), not sent to \(url)"),
                duration: .zero
            )
        }
        let request = BrokerRequest(event: event, format: format, headers: headers)
        let outcome = await transport.perform(request)
        let duration = ContinuousClock.now - started

        var result: DeliveryResult
        switch outcome {
        case .answered(let status, let retryAfter, let body):
            result = classification.result(
                status: status,
                retryAfter: retryAfter,
                body: body,
                url: url,
                duration: duration,
                now: clock.now
            )
        case .failed(let failure):
            result = classification.result(for: failure, url: url, duration: duration)
        }
        if let error = result.error, !secrets.isEmpty {
            result.error = AttemptError(status: error.status, message: redacted(error.message))
        }
        logger.debug(
            "delivery attempt",
            metadata: [
                "event.id": "\(event.id)",
                "broker.url": "\(url)",
                "delivery.outcome": "\(result.outcome)",
                "http.status": "\(result.status.map(String.init) ?? "none")",
                "delivery.error": "\(result.error?.message ?? "none")",
            ]
        )
        return result
    }

    /// The client's transfer thread as a task executor.
    ///
    /// A task that delivers many events one after another can run under
    /// `withTaskExecutorPreference(client.executor) { … }`: its code between deliveries then runs on the
    /// transfer thread, and a delivery costs no thread switch (otherwise two: to the transfer thread and
    /// back to the cooperative pool). Such code must not block, as on any executor; it also delays
    /// other deliveries of this client while it runs, so keep it short. After ``shutdown()`` the task
    /// carries on on the global concurrent executor.
    public var executor: any TaskExecutor { transport.executor }

    /// Finishes in-flight transfers, closes connections and stops the transfer thread. Deliveries
    /// after this return a retryable "shut down" result.
    ///
    /// - Parameter gracePeriod: How long in-flight transfers may still run before they are aborted
    ///   (their result: retryable, "shut down"); by default their total timeout.
    public func shutdown(gracePeriod: Duration? = nil) async {
        await transport.shutdown(gracePeriod: gracePeriod)
    }

    /// `text` with every configured header value and URL credential replaced by `<redacted>`: a broker
    /// echoing a request header in its error body must not put a secret into the spool or the logs.
    private func redacted(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacing(secret, with: "<redacted>")
        }
        return text
    }

    private static func secrets(headers: [(name: String, value: String)], url: BrokerURL) -> [String] {
        var secrets = Set(url.credentials)
        for header in headers {
            secrets.insert(header.value)
            // `Bearer <token>`, `Basic <base64>`: the token alone may be echoed too.
            for part in header.value.split(separator: " ") where part.count >= 8 {
                secrets.insert(String(part))
            }
        }
        // Longest first, so a whole value is replaced before a part of it; very short values would
        // blank out ordinary words and are not secrets worth the name.
        return secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// Why a configured header cannot be sent, or `nil` when it can.
    static func problem(withHeaderName name: String, value: String) -> String? {
        let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
        let isToken =
            !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || tokenPunctuation.contains(byte)
            }
        guard isToken else { return "is not a valid HTTP header name" }
        let lowercased = name.lowercased()
        if BrokerRequest.reservedHeaderNames.contains(lowercased) || lowercased.hasPrefix("ce-") {
            return "is set by EventSpool itself and cannot be configured"
        }
        if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return "has a control character (CR, LF, NUL, …) in its value"
        }
        return nil
    }

    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}

/// A broker configuration that cannot be used.
public struct BrokerClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL concerned.
    public var url: String
    /// What is wrong.
    public var message: String

    public init(url: String, message: String) {
        self.url = url
        self.message = message
    }

    public var description: String { "broker \(url): \(message)" }
}
