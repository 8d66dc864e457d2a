import EventSpoolHTTP

// Reads: the bytes with their ETag (the version a later If-Match names), or what HEAD says.
extension S3Client {
    /// Reads `key`, or the bytes `range` of it (`Range: bytes=lower-upper`, a spool object's fixed-size header).
    ///
    /// - Parameters:
    ///   - key: The full object key.
    ///   - range: The byte positions to read, or `nil` for the whole object. A store may send the whole object
    ///     instead (``S3Object/isWhole``).
    ///   - deadline: When to stop retrying; `nil` for ``S3Configuration/Timeout/operation`` from now.
    /// - Returns: The object, or ``S3Lookup/notFound``.
    /// - Throws: ``S3Error``: refused, no answer until the deadline, an object larger than
    ///   ``S3Configuration/maxObjectBytes``, or a whole object whose bytes do not match its ETag.
    package func get(
        _ key: String,
        range: ClosedRange<Int>? = nil,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error) -> S3Lookup<S3Object> {
        let cap = configuration.maxObjectBytes
        let call = try objectCall(
            "GET",
            .get,
            key,
            headers: range.map { [("Range", "bytes=\(max(0, $0.lowerBound))-\($0.upperBound)")] } ?? [],
            maxResponseBodyBytes: cap,
            answers: [200, 206, 404]
        )
        let exchange = try await exchange(call, deadline: self.deadline(deadline))
        let response = exchange.response
        guard exchange.status != 404 else {
            try checkBucketExists(call, exchange)
            return .notFound
        }
        guard !response.isBodyCut else {
            throw badResponse(call, exchange, "the object is larger than maxObjectBytes (\(cap) bytes)")
        }
        guard let header = response.headers.first("ETag"), let etag = S3ETag(header) else {
            throw badResponse(call, exchange, "the store answered \(exchange.status) without a valid ETag")
        }
        var size = response.body.count
        var isWhole = true
        if exchange.status == 206 {
            // `last - first` cannot overflow (both are at least 0); `+ 1` could, for a hostile `last`.
            guard let contentRange = Self.contentRange(response.headers.first("Content-Range")),
                !response.body.isEmpty, contentRange.last - contentRange.first == response.body.count - 1,
                contentRange.first == max(0, range?.lowerBound ?? 0)
            else {
                throw badResponse(
                    call,
                    exchange,
                    "the store answered 206 without a Content-Range that fits its body and the range asked for"
                )
            }
            size = contentRange.size ?? response.body.count
            isWhole = contentRange.first == 0 && contentRange.size == response.body.count
        } else if configuration.etagIsContentMD5, etag.isMD5Form, !etag.isMD5(S3Digest.md5(response.body)) {
            throw badResponse(
                call,
                exchange,
                "the \(response.body.count) bytes read do not match the object's ETag \(etag): damaged on the way"
            )
        }
        return .found(
            S3Object(
                bytes: response.body,
                etag: etag,
                size: size,
                isWhole: isWhole,
                lastModified: S3Timestamp.httpDate(response.headers.first("Last-Modified")),
                serverDate: exchange.serverDate
            )
        )
    }

    /// What the store says of `key` without its bytes (HEAD): its ETag, size and age, or ``S3Lookup/notFound``.
    ///
    /// - Throws: ``S3Error``: refused, no answer until the deadline, or no valid ETag or size.
    package func head(
        _ key: String,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error) -> S3Lookup<S3ObjectInfo> {
        let call = try objectCall("HEAD", .head, key, answers: [200, 404])
        let exchange = try await exchange(call, deadline: self.deadline(deadline))
        guard exchange.status == 200 else { return .notFound }
        let headers = exchange.response.headers
        guard let header = headers.first("ETag"), let etag = S3ETag(header) else {
            throw badResponse(call, exchange, "the store answered 200 without a valid ETag")
        }
        guard let length = headers.first("Content-Length"), let size = Int(length), size >= 0 else {
            throw badResponse(call, exchange, "the store answered 200 without a valid Content-Length")
        }
        return .found(
            S3ObjectInfo(
                etag: etag,
                size: size,
                lastModified: S3Timestamp.httpDate(headers.first("Last-Modified")),
                serverDate: exchange.serverDate
            )
        )
    }

    /// `bytes first-last/size` (size `*` when unknown), or `nil` when `header` is not that.
    static func contentRange(_ header: String?) -> (first: Int, last: Int, size: Int?)? {
        guard let header, header.hasPrefix("bytes ") else { return nil }
        let parts = header.dropFirst(6).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int(bounds[0]), let last = Int(bounds[1]), first >= 0, last >= first
        else { return nil }
        if parts[1] == "*" { return (first, last, nil) }
        guard let size = Int(parts[1]), size > last else { return nil }
        return (first, last, size)
    }
}
