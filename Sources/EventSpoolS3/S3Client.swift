import EventSpoolHTTP
import EventSpoolModel
import Logging

/// The S3 REST API over the project's libcurl transport, for one bucket: create-once and compare-and-swap
/// writes, reads with their ETag, conditional deletes, streaming listings — each returning a typed answer, each
/// retried inside a deadline when the store is busy or unreachable.
///
/// Requests are signed with AWS Signature Version 4 by libcurl itself (`CURLOPT_AWS_SIGV4`); the client works
/// around libcurl 7.88's traps (`docs/s3.md`): it sends its own `x-amz-content-sha256` (the body's SHA-256),
/// sorts and encodes the query, sends only keys that need no encoding (``S3ObjectKey``), never a header-removal
/// line or its own `X-Amz-Date`, and every PUT's body as `application/octet-stream` with a `Content-MD5`.
///
/// Answers are typed: a lost race is ``S3CreateOutcome/exists(_:)`` or ``S3ReplaceOutcome/lost(_:)``, never an
/// error; 412, 409 and 404 are answers and are never retried. Timeouts, lost connections, 5xx, 503 and 429 are
/// retried (``S3Configuration/Retry``) until the operation's deadline. A write whose attempt got no clear answer
/// may have landed: when a later attempt then finds the key taken (or the version changed), the object is read
/// back and compared with what was sent before the client says which.
///
/// Every answer is checked: a PUT's 200 must carry the ETag of the bytes sent, a whole GET's bytes must match
/// their ETag, bodies are bounded, XML is parsed strictly. Errors (``S3Error``) name the operation, bucket, key
/// and URL and never a credential.
///
/// Call ``shutdown()`` when done (or use ``withS3Client(configuration:logger:_:)``).
package final class S3Client: Sendable {
    /// The configuration, checked.
    package let configuration: S3Configuration
    let endpoint: S3Endpoint
    let transport: CurlTransport
    /// Cuts every form of the credentials out of the store's words before they reach a message.
    let redactor: SecretRedactor
    let logger: Logger

    /// The most bytes kept of an answer that is not an object or a listing: an error's XML.
    static let maxErrorBodyBytes = 64 * 1024
    /// The most bytes of one listing page: 1,000 keys of up to 1,024 bytes with their XML fit several times.
    static let maxListPageBytes = 8 * 1024 * 1024

    /// Checks `configuration` and sets up the transport; no connection is made until the first request.
    ///
    /// - Parameters:
    ///   - configuration: The store, bucket, credentials, limits and retries.
    ///   - logger: Where retries are logged, at debug level.
    /// - Throws: ``S3Error/Code/invalidConfiguration`` naming what is wrong (never a secret).
    package init(configuration: S3Configuration, logger: Logger) throws(S3Error) {
        let endpoint = try S3Endpoint(configuration)
        func invalid(_ message: String) -> S3Error { configuration.invalid(message) }
        if let problem = S3ObjectKey.problem(withPrefix: configuration.prefix) {
            throw invalid("prefix '\(LoggedText(configuration.prefix, maxBytes: 256))' \(problem)")
        }
        for (name, value) in [
            ("timeout.connect", configuration.timeout.connect), ("timeout.request", configuration.timeout.request),
            ("timeout.operation", configuration.timeout.operation),
        ] where value <= .zero {
            throw invalid("\(name) must be positive, not \(value)")
        }
        guard configuration.retry.maxAttempts >= 1, configuration.retry.baseDelay >= .zero,
            configuration.retry.maxDelay >= .zero
        else { throw invalid("retry needs maxAttempts ≥ 1 and delays ≥ 0") }
        guard configuration.maxConnections >= 1 else {
            throw invalid("maxConnections must be at least 1, not \(configuration.maxConnections)")
        }
        guard configuration.maxObjectBytes >= 0 else {
            throw invalid("maxObjectBytes must not be negative, not \(configuration.maxObjectBytes)")
        }
        var signature: AWSSignature?
        if let credentials = configuration.credentials {
            // Never echo the values: the problem is named, not shown.
            guard !credentials.accessKeyID.isEmpty, !credentials.secretAccessKey.isEmpty else {
                throw invalid("credentials need both an access key id and a secret access key")
            }
            guard Self.isHeaderSafe(credentials.accessKeyID), Self.isHeaderSafe(credentials.secretAccessKey) else {
                throw invalid("the access key id or the secret access key holds a space or a control character")
            }
            if let token = credentials.sessionToken {
                guard Self.isHeaderSafe(token) else {
                    throw invalid("the session token holds a space or a control character")
                }
                let url = try? HTTPURL(configuration.endpoint)
                if let url, url.isPlainHTTP, !url.isLoopback {
                    throw invalid(
                        "a session token would go in clear text over plain http to \(url.host); use https"
                    )
                }
            }
            signature = AWSSignature(
                provider: "aws:amz:\(configuration.region):s3",
                accessKeyID: credentials.accessKeyID,
                secretAccessKey: credentials.secretAccessKey
            )
        }
        do {
            transport = try CurlTransport(
                settings: CurlTransport.Settings(
                    connectTimeout: configuration.timeout.connect,
                    totalTimeout: configuration.timeout.request,
                    maxConnections: configuration.maxConnections,
                    tls: configuration.tls,
                    awsSignature: signature
                )
            )
        } catch {
            throw invalid(error.message)
        }
        self.configuration = configuration
        self.endpoint = endpoint
        let credentials = configuration.credentials
        self.redactor = SecretRedactor(forms: (credentials?.secretForms ?? []) + [credentials?.accessKeyID ?? ""])
        self.logger = logger
    }

    /// Lets requests in flight finish, then closes every connection. Requests after this fail
    /// (``S3Error/Code/transport``).
    package func shutdown() async {
        await transport.shutdown()
    }

    /// The full key of `name` under the configured prefix: `<prefix>/<name>` (or `name` without a prefix).
    package func key(_ name: String) -> String {
        let prefix = configuration.prefix
        guard !prefix.isEmpty else { return name }
        return prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name
    }

    /// Printable ASCII without spaces: what can go into a header or libcurl's user name and password.
    private static func isHeaderSafe(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

/// Makes an ``S3Client``, runs `body` with it, and shuts it down however `body` ends.
package func withS3Client<Result>(
    configuration: S3Configuration,
    logger: Logger,
    _ body: (S3Client) async throws -> Result
) async throws -> Result {
    let client = try S3Client(configuration: configuration, logger: logger)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}
