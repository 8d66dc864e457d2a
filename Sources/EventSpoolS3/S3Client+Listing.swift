import EventSpoolHTTP

// ListObjectsV2: one page, or every page as a stream that holds one page at a time.
extension S3Client {
    /// The most keys a page may hold (S3's own limit).
    package static let maxKeysPerPage = 1000

    /// One page of the objects whose keys start with `prefix`.
    ///
    /// - Parameters:
    ///   - prefix: The keys' common beginning (``S3ObjectKey``: no encoding needed; may end with `/`).
    ///   - startAfter: List only keys after this one (in the store's order).
    ///   - continuationToken: The previous page's ``S3ListPage/nextContinuationToken``.
    ///   - delimiter: Group keys by what follows the prefix up to this (`/`): ``S3ListPage/commonPrefixes``.
    ///   - maxKeys: The most keys in the page, 1 to 1,000.
    ///   - deadline: When to stop retrying; `nil` for ``S3Configuration/Timeout/operation`` from now.
    /// - Throws: ``S3Error``: refused, no answer until the deadline, or a page that makes no sense (XML that
    ///   does not parse, a key outside the prefix, a truncated page without a token, a page over 8 MiB).
    package func listPage(
        prefix: String,
        startAfter: String? = nil,
        continuationToken: String? = nil,
        delimiter: String? = nil,
        maxKeys: Int = S3Client.maxKeysPerPage,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error) -> S3ListPage {
        var query = S3Query()
        query.add("list-type", "2")
        query.add("prefix", prefix)
        query.add("start-after", startAfter)
        query.add("continuation-token", continuationToken)
        query.add("delimiter", delimiter)
        query.add("max-keys", String(min(max(1, maxKeys), Self.maxKeysPerPage)))
        let call = S3Call(
            operation: "ListObjectsV2",
            method: .get,
            key: nil,
            query: query,
            maxResponseBodyBytes: Self.maxListPageBytes,
            answers: [200]
        )
        if let problem = S3ObjectKey.problem(withPrefix: prefix) {
            throw failure(call, url: endpoint.url(key: nil), code: .invalidKey, message: "the prefix \(problem)")
        }
        let exchange = try await exchange(call, deadline: self.deadline(deadline))
        guard !exchange.response.isBodyCut else {
            throw badResponse(call, exchange, "the page is larger than \(Self.maxListPageBytes) bytes")
        }
        let page: S3ListPage
        do {
            page = try S3ListPage(xml: exchange.response.body, serverDate: exchange.serverDate)
        } catch {
            throw badResponse(call, exchange, "the listing is not valid: \(error)")
        }
        if let stray = page.objects.first(where: { !$0.key.hasPrefix(prefix) })?.key
            ?? page.commonPrefixes.first(where: { !$0.hasPrefix(prefix) })
        {
            throw badResponse(call, exchange, "the listing holds '\(stray.prefix(256))', which is not under the prefix")
        }
        if page.isTruncated && page.nextContinuationToken == nil {
            throw badResponse(call, exchange, "the page is truncated but has no NextContinuationToken")
        }
        return page
    }

    /// Every object whose key starts with `prefix`, page after page as the sequence is read: memory holds one
    /// page whatever the number of keys.
    ///
    /// - Parameters:
    ///   - prefix: The keys' common beginning.
    ///   - startAfter: List only keys after this one.
    ///   - pageSize: Keys per request, 1 to 1,000.
    package func objects(
        prefix: String,
        startAfter: String? = nil,
        pageSize: Int = S3Client.maxKeysPerPage
    )
        -> S3ObjectListing
    {
        S3ObjectListing(client: self, prefix: prefix, startAfter: startAfter, pageSize: pageSize)
    }
}
