import EventSpoolHTTP
import EventSpoolModel

// Conditional writes: create-once and compare-and-swap. Each returns only after the store answered: a 200 whose
// ETag is the MD5 of the bytes sent, or a conflict.
extension S3Client {
    /// Creates `key` holding `bytes` unless the key exists (`PUT If-None-Match: *`).
    ///
    /// - Parameters:
    ///   - key: The full object key (``S3ObjectKey``).
    ///   - bytes: The object's bytes.
    ///   - deadline: When to stop retrying; `nil` for ``S3Configuration/Timeout/operation`` from now.
    /// - Returns: ``S3CreateOutcome/created(_:)`` once the store answered 200 with the ETag of `bytes`;
    ///   ``S3CreateOutcome/exists(_:)`` when the key was taken (412, or 409). When an earlier attempt got no clear
    ///   answer and a later one finds the key taken, the object is read back: if it holds `bytes`, the earlier
    ///   attempt created it.
    /// - Throws: ``S3Error``: refused, no answer until the deadline, or an answer that makes no sense.
    package func putIfAbsent(
        _ key: String,
        bytes: [UInt8],
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error) -> S3CreateOutcome {
        let deadline = self.deadline(deadline)
        let call = try objectCall(
            "PUT If-None-Match",
            .put,
            key,
            headers: [("If-None-Match", "*")],
            body: bytes,
            answers: [200, 409, 412]
        )
        let exchange = try await exchange(call, deadline: deadline)
        if exchange.status == 200 {
            return .created(try receipt(call, exchange))
        }
        if exchange.followsUnclearAttempt, let receipt = try await landed(call, deadline: deadline) {
            return .created(receipt)
        }
        return .exists(conflict(exchange))
    }

    /// Replaces `key` with `bytes` if it is still the version `etag` (`PUT If-Match: "<etag>"`).
    ///
    /// - Returns: ``S3ReplaceOutcome/replaced(_:)`` once the store answered 200 with the ETag of `bytes`;
    ///   ``S3ReplaceOutcome/lost(_:)`` when the object changed or is gone (412; 404 on moto; 409): read it again,
    ///   never write blindly. After an attempt without a clear answer, a lost answer is checked by reading the
    ///   object back, as for ``putIfAbsent(_:bytes:deadline:)``.
    /// - Throws: ``S3Error``: refused, no answer until the deadline, or an answer that makes no sense.
    package func putIfMatch(
        _ key: String,
        bytes: [UInt8],
        etag: S3ETag,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error) -> S3ReplaceOutcome {
        let deadline = self.deadline(deadline)
        let call = try objectCall(
            "PUT If-Match",
            .put,
            key,
            headers: [("If-Match", etag.quoted)],
            body: bytes,
            answers: [200, 404, 409, 412]
        )
        let exchange = try await exchange(call, deadline: deadline)
        if exchange.status == 200 {
            return .replaced(try receipt(call, exchange))
        }
        try checkBucketExists(call, exchange)
        if exchange.followsUnclearAttempt, let receipt = try await landed(call, deadline: deadline) {
            return .replaced(receipt)
        }
        return .lost(conflict(exchange))
    }

    /// The call for one object: the key checked.
    func objectCall(
        _ operation: String,
        _ method: HTTPMethod,
        _ key: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        maxResponseBodyBytes: Int = S3Client.maxErrorBodyBytes,
        answers: Set<Int>
    ) throws(S3Error) -> S3Call {
        let call = S3Call(
            operation: operation,
            method: method,
            key: key,
            headers: headers,
            body: body,
            maxResponseBodyBytes: maxResponseBodyBytes,
            answers: answers
        )
        if let problem = S3ObjectKey.problem(withKey: key) {
            throw failure(
                call,
                url: endpoint.url(key: nil),
                code: .invalidKey,
                message: "the key '\(LoggedText(key, maxBytes: 256))' \(problem)"
            )
        }
        return call
    }

    /// What a write's 200 says, checked: an ETag, and (when ETags are MD5s) the one of the bytes sent. A store
    /// that answers 200 with another ETag did not store what was sent (moto stores an empty object for a body it
    /// reads as a form), so that is an error, never a success.
    private func receipt(_ call: S3Call, _ exchange: S3Exchange) throws(S3Error) -> S3WriteReceipt {
        guard let header = exchange.response.headers.first("ETag"), let etag = S3ETag(header) else {
            throw badResponse(call, exchange, "the store answered 200 without a valid ETag")
        }
        if configuration.etagIsContentMD5 {
            let md5 = S3Digest.md5(call.body)
            guard etag.isMD5(md5) else {
                throw badResponse(
                    call,
                    exchange,
                    "the store answered 200 with ETag \(etag) but the \(call.body.count) bytes sent have MD5 "
                        + "\(S3Digest.hex(md5)): the object may not hold what was sent"
                )
            }
        }
        return S3WriteReceipt(etag: etag, serverDate: exchange.serverDate)
    }

    /// Whether the object at `call`'s key holds `call`'s bytes: then a write of them landed even though its answer
    /// went missing. Compared by ETag when ETags are MD5s, else by reading the bytes.
    private func landed(_ call: S3Call, deadline: ContinuousClock.Instant) async throws(S3Error) -> S3WriteReceipt? {
        guard let key = call.key else { return nil }
        if configuration.etagIsContentMD5 {
            guard case .found(let info) = try await head(key, deadline: deadline),
                info.etag.isMD5(S3Digest.md5(call.body))
            else { return nil }
            return S3WriteReceipt(etag: info.etag, serverDate: info.serverDate, confirmedByReading: true)
        }
        guard case .found(let object) = try await get(key, deadline: deadline), object.bytes == call.body else {
            return nil
        }
        return S3WriteReceipt(etag: object.etag, serverDate: object.serverDate, confirmedByReading: true)
    }

    /// A conflict answer.
    func conflict(_ exchange: S3Exchange) -> S3Conflict {
        S3Conflict(
            status: exchange.status,
            storeCode: S3ErrorAnswer(exchange.response, redactor: redactor).storeCode,
            serverDate: exchange.serverDate
        )
    }

    /// A 404 that says the bucket is missing is a failure, not an answer about the key.
    func checkBucketExists(_ call: S3Call, _ exchange: S3Exchange) throws(S3Error) {
        guard exchange.status == 404,
            S3ErrorAnswer(exchange.response, redactor: redactor).storeCode == "NoSuchBucket"
        else { return }
        throw failure(call, exchange)
    }
}
