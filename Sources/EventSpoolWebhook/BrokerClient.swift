import EventSpoolHTTP
import EventSpoolModel
import EventSpoolSystem
import Logging
import SystemPackage

import struct Foundation.Date

/// Delivers events to one broker over HTTP (libcurl), reusing keep-alive connections.
///
/// Each ``deliver(_:)`` POSTs one event (see `docs/delivery.md` for every header) and returns what the
/// broker answered, unclassified: judging it is a policy's job (``DeliveryClassification``). Transfers run on
/// a thread of the client's own, on
/// libcurl's multi interface, so any number of tasks can deliver at once without blocking Swift's
/// cooperative pool; at most ``BrokerConfiguration/maxConnections`` connections are open.
///
/// Call ``shutdown()`` when done.
package final class BrokerClient: Sendable {
    /// The broker's URL, without any credentials it was configured with.
    package let url: String

    private let transport: CurlTransport
    private let brokerURL: HTTPURL
    /// Where libcurl cuts a response body: a body this long may have been cut in the middle of a secret.
    private let maxResponseBodyBytes: Int
    private let format: BrokerConfiguration.EventFormat
    /// Configured headers, then `Authorization`: added to each request at send time only.
    private let headers: [(name: String, value: String)]
    /// Lower-cased names of ``headers``, which an instrument's trace headers must not replace.
    private let headerNames: Set<String>
    /// The signer, the `Authorization` value and every secret to cut out of messages.
    private let credentials: BrokerCredentials
    private let clock: any WallClock
    private let logger: Logger

    /// Creates a client; no connection is made until the first delivery.
    ///
    /// Secret files (``Secret/file(_:)``) are read here, once; TLS files are checked for readability.
    ///
    /// - Parameters:
    ///   - configuration: The broker's URL, timeouts, headers, credentials, signing, TLS and limits.
    ///   - clock: The wall clock `webhook-timestamp` is read from.
    ///   - logger: Where each attempt is logged, at debug level.
    /// - Throws: ``BrokerClientError`` when the configuration is unusable (bad URL, unreadable or invalid
    ///   secret, unreadable TLS file, libcurl setup), naming the configuration key and never a secret.
    package init(
        configuration: BrokerConfiguration,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(BrokerClientError) {
        let brokerURL: HTTPURL
        do {
            brokerURL = try HTTPURL(configuration.url)
        } catch {
            throw BrokerClientError(url: error.url ?? HTTPURL.masked(configuration.url), message: error.message)
        }
        func invalid(_ message: String) -> BrokerClientError {
            BrokerClientError(url: brokerURL.redacted, message: message)
        }
        guard configuration.connectTimeout > .zero else {
            throw invalid("connectTimeout must be positive, not \(configuration.connectTimeout)")
        }
        guard configuration.timeout > .zero else {
            throw invalid("timeout must be positive, not \(configuration.timeout)")
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
        let credentials = try BrokerCredentials(configuration: configuration, url: brokerURL, headers: headers)
        for warning in credentials.warnings {
            logger.warning("\(warning)", metadata: ["broker.url": "\(brokerURL.redacted)"])
        }
        if let authorization = credentials.authorization {
            headers.append(("Authorization", authorization))
        }
        try Self.checkTLSFiles(configuration.tls, url: brokerURL)
        try Self.checkClearText(
            of: credentials,
            to: brokerURL,
            allowed: configuration.allowInsecureCredentials,
            logger: logger
        )

        self.url = brokerURL.redacted
        self.brokerURL = brokerURL
        self.format = configuration.eventFormat
        self.headers = headers
        self.headerNames = Set(headers.map { $0.name.lowercased() })
        self.credentials = credentials
        self.maxResponseBodyBytes = configuration.maxResponseBodyBytes
        self.clock = clock
        self.logger = logger
        do {
            self.transport = try CurlTransport(
                settings: CurlTransport.Settings(
                    connectTimeout: configuration.connectTimeout,
                    totalTimeout: configuration.timeout,
                    maxConnections: configuration.maxConnections,
                    tls: configuration.tls.settings
                )
            )
        } catch {
            throw BrokerClientError(url: brokerURL.redacted, message: error.message, code: .transportUnavailable)
        }
    }

    /// Sends one event and returns the broker's answer, unclassified. Never throws: every failure is an answer.
    ///
    /// Runs no blocking call on the caller's thread: the transfer happens on the client's own thread.
    /// Cancelling the calling task stops the transfer and gives a failed answer ("cancelled").
    /// An event that fails ``Event/validate(maxBodyBytes:)`` is not sent (``DeliveryAnswer/Reply/notSent``).
    package func deliver(_ event: Event) async -> DeliveryAnswer {
        await deliver(event, validating: true)
    }

    /// ``deliver(_:)``, without validating the event again when the caller has just done so
    /// (`validating: false`): the publisher validates every event against its own body limit.
    package func deliver(_ event: Event, validating: Bool) async -> DeliveryAnswer {
        let started = ContinuousClock.now
        do {
            if validating { try event.validate(maxBodyBytes: .max) }
        } catch {
            return DeliveryAnswer(reply: .notSent, problem: "\(error), not sent to \(url)", duration: .zero)
        }
        let request = BrokerRequest(
            event: event,
            format: format,
            headers: headers,
            traceHeaders: event.traceparent == nil ? TraceHeaders.current(excluding: headerNames) : [],
            // The time of this attempt, never stored: a retry or a replay is signed afresh.
            signature: credentials.signer.map { ($0, Int64(clock.now.timeIntervalSince1970.rounded(.down))) }
        )
        let outcome = await transport.perform(
            HTTPRequest(
                method: .post,
                url: brokerURL,
                headerBlock: request.headerBlock,
                body: request.body,
                maxResponseBodyBytes: maxResponseBodyBytes
            )
        )
        let duration = ContinuousClock.now - started

        var answer: DeliveryAnswer
        switch outcome {
        case .answered(let response):
            let status = response.status
            answer = DeliveryAnswer(
                status: status,
                retryAfter: response.headers.first("retry-after"),
                body: (200..<300).contains(status) ? response.body : redactedForMessages(response.body),
                url: url,
                duration: duration
            )
        case .failed(let failure):
            answer = DeliveryAnswer(failure, url: url, duration: duration)
        }
        if let problem = answer.problem, !credentials.redactor.isEmpty {
            answer.problem = credentials.redactor.redacting(problem)
        }
        return answer
    }

    /// The start of a refusal's body, every secret cut out, for its message.
    ///
    /// Redacted before any cut to size that comes after it (the first line, the message's 512 bytes): a
    /// secret such a cut split would survive it. Only the first ``redactedBodyBytes`` can reach a message;
    /// when the body was cut there, or by libcurl at ``BrokerConfiguration/maxResponseBodyBytes``, a
    /// secret's beginning left at the very end is redacted too.
    private func redactedForMessages(_ body: [UInt8]) -> [UInt8] {
        guard !credentials.redactor.isEmpty else { return body }
        let start = body.prefix(Self.redactedBodyBytes)
        return credentials.redactor.redacting(
            start,
            isCut: start.count < body.count || body.count >= maxResponseBodyBytes
        )
    }

    /// How much of a refusal's body is redacted for its message: far more than the 1 KiB
    /// ``DeliveryAnswer/firstLine(of:)`` is read from, so that what is left after secrets shrink to
    /// `<redacted>` still fills it.
    static let redactedBodyBytes = 8 * 1024

    /// The client's transfer thread as a task executor.
    ///
    /// A task that delivers many events one after another can run under
    /// `withTaskExecutorPreference(client.executor) { … }`: its code between deliveries then runs on the
    /// transfer thread, and a delivery costs no thread switch (otherwise two: to the transfer thread and
    /// back to the cooperative pool). Such code must not block, as on any executor; it also delays
    /// other deliveries of this client while it runs, so keep it short. After ``shutdown()`` the task
    /// carries on on the global concurrent executor.
    package var executor: any TaskExecutor { transport.executor }

    /// Finishes in-flight transfers, closes connections and stops the transfer thread. Deliveries
    /// after this return a failed answer ("shut down").
    ///
    /// - Parameter gracePeriod: How long in-flight transfers may still run before they are aborted
    ///   (their answer: failed, "shut down"); by default their total timeout.
    package func shutdown(gracePeriod: Duration? = nil) async {
        await transport.shutdown(gracePeriod: gracePeriod)
    }

    /// Checks that each configured TLS file can be read, so a typo fails at start-up with the key and
    /// the path, not at the first handshake with libcurl's terser words.
    private static func checkTLSFiles(_ tls: BrokerConfiguration.TLS, url: HTTPURL) throws(BrokerClientError) {
        if tls.keyFile != nil && tls.certificateFile == nil {
            throw BrokerClientError(url: url.redacted, message: "tls.keyFile is set without tls.certificateFile")
        }
        for (key, path) in [
            ("tls.caFile", tls.caFile), ("tls.certificateFile", tls.certificateFile), ("tls.keyFile", tls.keyFile),
        ] {
            guard let path else { continue }
            do {
                let descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
                try? descriptor.close()
            } catch {
                throw BrokerClientError(url: url.redacted, message: "\(key): cannot open file \(path): \(error)")
            }
        }
    }

    /// Refuses credentials that plain `http` would carry in clear text to another machine, unless
    /// `allowed`; then says so once, at info level (a cron sweep stays silent).
    ///
    /// This machine (``HTTPURL/isLoopback``) is exempt: a sidecar or a local proxy that adds TLS. A
    /// signing secret never travels, only each request's signature: it does not count.
    private static func checkClearText(
        of credentials: BrokerCredentials,
        to url: HTTPURL,
        allowed: Bool,
        logger: Logger
    ) throws(BrokerClientError) {
        guard url.isPlainHTTP, !url.isLoopback, !credentials.sentWithRequests.isEmpty else { return }
        let what = credentials.sentWithRequests.joined(separator: " and ")
        guard allowed else {
            // `localhost.` looks like this machine: say why it is not.
            let why = url.host.hasSuffix(".") ? " (a name ending in '.' is looked up in DNS)" : ""
            throw BrokerClientError(
                url: url.redacted,
                message: "would send \(what) in clear text over http to \(url.host), which is not this machine\(why); "
                    + "use https, or set allowInsecureCredentials to send them anyway"
            )
        }
        logger.info(
            "credentials go in clear text over plain http, as allowInsecureCredentials allows",
            metadata: ["broker.url": "\(url.redacted)", "broker.credentials": "\(what)"]
        )
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
