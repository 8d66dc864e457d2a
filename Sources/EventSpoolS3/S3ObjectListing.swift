/// Every object under a prefix, as an asynchronous sequence that asks for the next page only when the current
/// one has been read: memory stays flat whatever the number of keys.
///
/// A store that does not advance is an error, never an endless loop: a continuation token equal to the one just
/// sent, or more than ``maxEmptyPages`` truncated pages in a row without a key.
package struct S3ObjectListing: AsyncSequence, Sendable {
    package typealias Element = S3ObjectSummary
    package typealias Failure = S3Error

    /// Truncated pages without a key or common prefix tolerated in a row.
    package static let maxEmptyPages = 100

    let client: S3Client
    let prefix: String
    let startAfter: String?
    let pageSize: Int

    package func makeAsyncIterator() -> Iterator {
        Iterator(listing: self)
    }

    package struct Iterator: AsyncIteratorProtocol {
        private let listing: S3ObjectListing
        private var page: [S3ObjectSummary] = []
        private var position = 0
        private var token: String?
        private var isFinished = false
        private var emptyPages = 0

        init(listing: S3ObjectListing) {
            self.listing = listing
        }

        package mutating func next(
            isolation actor: isolated (any Actor)? = #isolation
        ) async throws(S3Error)
            -> S3ObjectSummary?
        {
            while position == page.count {
                guard !isFinished else { return nil }
                let sent = token
                let next = try await listing.client.listPage(
                    prefix: listing.prefix,
                    startAfter: sent == nil ? listing.startAfter : nil,
                    continuationToken: sent,
                    maxKeys: listing.pageSize
                )
                page = next.objects
                position = 0
                isFinished = !next.isTruncated
                token = next.nextContinuationToken
                if next.isTruncated {
                    try check(next, sentToken: sent)
                }
            }
            defer { position += 1 }
            return page[position]
        }

        package mutating func next() async throws(S3Error) -> S3ObjectSummary? {
            try await next(isolation: nil)
        }

        private mutating func check(_ page: S3ListPage, sentToken: String?) throws(S3Error) {
            emptyPages = page.objects.isEmpty && page.commonPrefixes.isEmpty ? emptyPages + 1 : 0
            let problem: String? =
                page.nextContinuationToken == sentToken
                ? "the store sent back the continuation token it was given: the listing does not advance"
                : emptyPages > S3ObjectListing.maxEmptyPages
                    ? "the store sent \(emptyPages) truncated pages in a row without a key" : nil
            guard let problem else { return }
            throw S3Error(
                code: .badResponse,
                operation: "ListObjectsV2",
                bucket: listing.client.configuration.bucket,
                key: listing.prefix,
                url: listing.client.endpoint.url(key: nil),
                message: problem
            )
        }
    }
}
