import EventSpoolHTTP

/// What one operation sends: its method, key, query, own headers and body, how much of the answer to keep, and
/// which statuses are its answers (all others are retried or are failures).
struct S3Call: Sendable {
    /// The operation as a person reads it, for messages: `PUT If-None-Match`, `ListObjectsV2`.
    var operation: String
    var method: HTTPMethod
    /// The object key, or `nil` for a request on the bucket.
    var key: String?
    var query = S3Query()
    /// The operation's own header lines (conditions, range); the client adds the payload hash, the session token
    /// and, for a PUT, the content type and MD5.
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// The most answer-body bytes kept.
    var maxResponseBodyBytes: Int
    /// The statuses that answer the operation (its results, conflicts included); others are retried when
    /// retryable, else failures.
    var answers: Set<Int>

    /// The header lines of the request: the operation's, then the client's.
    ///
    /// None of these names is the beginning of another (`if-match`, `if-none-match`, `content-md5`,
    /// `content-type`, `range`, `x-amz-content-sha256`, `x-amz-security-token`): libcurl 7.88 sorts the signed
    /// headers as `name:value` strings, which puts such a pair in another order than AWS's and fails the
    /// signature.
    func headerBlock(sessionToken: String?) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in headers {
            HTTPRequest.appendHeader(name, value, to: &block)
        }
        if method == .put {
            // libcurl's default for a POSTFIELDS body is a form type; moto then stores an empty object.
            HTTPRequest.appendHeader("Content-Type", "application/octet-stream", to: &block)
            HTTPRequest.appendHeader("Content-MD5", S3Digest.base64(S3Digest.md5(body)), to: &block)
        }
        // libcurl 7.88 sends no payload hash of its own; without one SeaweedFS refuses a PUT (403) and AWS any request.
        HTTPRequest.appendHeader("x-amz-content-sha256", S3Digest.sha256Hex(body), to: &block)
        if let sessionToken {
            HTTPRequest.appendHeader("x-amz-security-token", sessionToken, to: &block)
        }
        return block
    }
}
