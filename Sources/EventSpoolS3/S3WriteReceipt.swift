import struct Foundation.Date

/// What a write the store took returns: the new version's ETag and the store's clock when it answered.
package struct S3WriteReceipt: Sendable, Hashable {
    /// The ETag of the object as written: what the next `If-Match` names.
    package var etag: S3ETag
    /// The store's clock (its `Date` header) when it answered: a lease's expiry is reckoned from it.
    package var serverDate: Date?
    /// Whether an earlier attempt got no clear answer and the write was found to have landed by reading the
    /// object back (its ETag, or its bytes, are this write's).
    package var confirmedByReading: Bool

    package init(etag: S3ETag, serverDate: Date?, confirmedByReading: Bool = false) {
        self.etag = etag
        self.serverDate = serverDate
        self.confirmedByReading = confirmedByReading
    }
}
