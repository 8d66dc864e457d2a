import EventSpoolHTTP

/// How to reach one bucket of an S3-compatible object store.
///
/// Its description (and debug description and mirror) never shows a secret: ``credentials`` print as
/// `<redacted>`.
package struct S3Configuration: Sendable, CustomStringConvertible {
    /// Time limits for one request and for one whole operation.
    package struct Timeout: Sendable, Hashable {
        /// The longest wait for a TCP (and TLS) connection.
        package var connect: Duration
        /// The longest one attempt may take, connection included. SeaweedFS keeps the loser of a
        /// conditional-write race waiting in 1-second lock retries, up to 9 s: keep this well above that.
        package var request: Duration
        /// The deadline of an operation whose caller gives none: every attempt and every wait between
        /// attempts end by then.
        package var operation: Duration

        package init(
            connect: Duration = .seconds(2),
            request: Duration = .seconds(30),
            operation: Duration = .seconds(60)
        ) {
            self.connect = connect
            self.request = request
            self.operation = operation
        }
    }

    /// When a failed attempt is tried again: timeouts, lost connections, 5xx, 503 and 429 are; 412, 409 and
    /// 404 are answers, never retried.
    ///
    /// The n-th retry waits a random time between half and all of `baseDelay × 2^(n-1)` (at most `maxDelay`),
    /// so that many clients throttled at once do not come back in step; a wait that would end after the
    /// operation's deadline is not started.
    package struct Retry: Sendable, Hashable {
        /// The wait before the first retry, before jitter.
        package var baseDelay: Duration
        /// The longest wait between two attempts.
        package var maxDelay: Duration
        /// Attempts in all, the first included (1: never retry).
        package var maxAttempts: Int

        package init(baseDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(2), maxAttempts: Int = 8) {
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.maxAttempts = maxAttempts
        }
    }

    /// The store's URL, `http` or `https`, without a path, user name or password (`http://127.0.0.1:8333`).
    package var endpoint: String
    /// The bucket.
    package var bucket: String
    /// The region the requests are signed for (`aws:amz:<region>:s3`).
    package var region: String
    /// Where the spool's objects live in the bucket, empty for the bucket's root: only `A–Z a–z 0–9 . _ ~ / -`,
    /// no empty, `.` or `..` segment (see ``S3ObjectKey``).
    package var prefix: String
    /// The access key and secret requests are signed with, or `nil` to send them unsigned.
    package var credentials: S3Credentials?
    /// Path-style URLs (`<endpoint>/<bucket>/<key>`, the default) or virtual-hosted ones
    /// (`<bucket>.<endpoint host>/<key>`, which need a host name that resolves for every bucket).
    package var pathStyle: Bool
    /// TLS trust, client certificate and minimum version for an `https` endpoint.
    package var tls: TLSSettings
    /// Time limits.
    package var timeout: Timeout
    /// Retries of failed attempts.
    package var retry: Retry
    /// The most connections open to the store at once; requests beyond wait for a free one.
    package var maxConnections: Int
    /// The largest object a GET reads: a bigger one is an error, never buffered whole.
    package var maxObjectBytes: Int
    /// Whether the store's ETag of an object written in one PUT is the MD5 of its bytes (SeaweedFS, moto, MinIO,
    /// AWS without SSE-KMS or SSE-C). Then every write's answer and every whole GET is checked against the
    /// bytes; without it, a write whose answer went missing is checked by reading the object back.
    package var etagIsContentMD5: Bool

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - endpoint: The store's URL, `http` or `https`, without a path.
    ///   - bucket: The bucket.
    ///   - region: The region requests are signed for.
    ///   - prefix: Where the spool's objects live in the bucket.
    ///   - credentials: The access key and secret, or `nil` for unsigned requests.
    package init(
        endpoint: String,
        bucket: String,
        region: String = "us-east-1",
        prefix: String = "",
        credentials: S3Credentials? = nil,
        pathStyle: Bool = true,
        tls: TLSSettings = TLSSettings(),
        timeout: Timeout = Timeout(),
        retry: Retry = Retry(),
        maxConnections: Int = 16,
        maxObjectBytes: Int = 64 * 1024 * 1024,
        etagIsContentMD5: Bool = true
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        self.credentials = credentials
        self.pathStyle = pathStyle
        self.tls = tls
        self.timeout = timeout
        self.retry = retry
        self.maxConnections = maxConnections
        self.maxObjectBytes = maxObjectBytes
        self.etagIsContentMD5 = etagIsContentMD5
    }

    package var description: String {
        "S3Configuration(endpoint: \(HTTPURL.masked(endpoint)), bucket: \(bucket), region: \(region), "
            + "prefix: \(prefix), credentials: \(credentials.map { "\($0)" } ?? "none"), pathStyle: \(pathStyle))"
    }
}

extension S3Configuration {
    /// The error saying this configuration cannot be used, and why (never a secret: the endpoint is masked).
    func invalid(_ message: String) -> S3Error {
        S3Error(
            code: .invalidConfiguration,
            operation: "configure",
            bucket: bucket,
            key: nil,
            url: HTTPURL.masked(endpoint),
            message: message
        )
    }
}
