import EventSpoolModel

/// An S3 operation that failed: not an answer the operation's result can hold (a lost conditional write is an
/// answer, ``S3ReplaceOutcome/lost(_:)``), but a refusal, a server error, no answer at all, or one that makes
/// no sense.
///
/// The message names the operation, the bucket, the key and the URL (which never holds credentials), and
/// what the store said: its status, its error code and message (cut to a few hundred bytes, secrets cut out).
/// It never holds the secret key, the session token or a request's `Authorization` header.
package struct S3Error: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum so that codes can be added.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration
            case invalidKey
            case accessDenied
            case notFound
            case conflict
            case rejected
            case throttled
            case server
            case transport
            case badResponse
            case cancelled
            case notAtomic
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The configuration cannot be used (a bad endpoint, bucket, region or prefix; libcurl refused to set up).
        package static let invalidConfiguration = Code(.invalidConfiguration)
        /// An object key or a listing prefix outside what the client sends (see ``S3ObjectKey``).
        package static let invalidKey = Code(.invalidKey)
        /// 401 or 403: wrong credentials, a signature the store did not accept, a clock too far off, no right.
        package static let accessDenied = Code(.accessDenied)
        /// 404 where it is no answer: the bucket does not exist.
        package static let notFound = Code(.notFound)
        /// 409 where it is no answer (a bucket another account owns).
        package static let conflict = Code(.conflict)
        /// Another 4xx: the store refused the request (a bad digest, an invalid argument).
        package static let rejected = Code(.rejected)
        /// 503 or 429 until the deadline or the last attempt.
        package static let throttled = Code(.throttled)
        /// Another 5xx until the deadline or the last attempt (or 501, never retried).
        package static let server = Code(.server)
        /// No answer (refused, reset, timed out) until the deadline or the last attempt.
        package static let transport = Code(.transport)
        /// An answer that makes no sense: a 200 whose ETag is not the MD5 of what was sent, XML that does not
        /// parse, a body over its limit, a listing that does not advance.
        package static let badResponse = Code(.badResponse)
        /// The calling task was cancelled.
        package static let cancelled = Code(.cancelled)
        /// The store let two writers win one conditional write (``S3RaceProbe``): it cannot hold a spool's lease.
        package static let notAtomic = Code(.notAtomic)

        package var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    package let code: Code
    /// The operation, as a person reads it: `PUT If-None-Match`, `GET`, `ListObjectsV2`.
    package let operation: String
    /// The bucket.
    package let bucket: String
    /// The object key or the listing prefix, when there is one.
    package let key: String?
    /// The request's URL (never with credentials in it), or the endpoint as configured, masked.
    package let url: String
    /// The last answer's status, when there was one.
    package let status: Int?
    /// The store's error code from the answer's XML (`SignatureDoesNotMatch`, `SlowDown`), when it had one.
    package let storeCode: String?
    /// What went wrong, in words, with the store's own message when it gave one.
    package let message: String
    /// How many attempts were made.
    package let attempts: Int

    package init(
        code: Code,
        operation: String,
        bucket: String,
        key: String?,
        url: String,
        status: Int? = nil,
        storeCode: String? = nil,
        message: String,
        attempts: Int = 1
    ) {
        self.code = code
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.url = url
        self.status = status
        self.storeCode = storeCode
        self.message = message
        self.attempts = attempts
    }

    /// `S3 PUT If-None-Match s3://bucket/key (http://127.0.0.1:8333/bucket/key): 403 SignatureDoesNotMatch: …`
    package var description: String {
        var text = "S3 \(operation) s3://\(bucket)/\(key ?? "") (\(url)): "
        if let status {
            text += "\(status)" + (storeCode.map { " \($0)" } ?? "") + ": "
        }
        text += message
        if attempts > 1 {
            text += " (after \(attempts) attempts)"
        }
        return text
    }

    /// A short, bounded description fit for a metric label: `s3.<code>`.
    package var shortDescription: String { "s3.\(code)" }
}
