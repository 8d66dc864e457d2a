import struct Foundation.Date

/// One page of a `ListObjectsV2` listing.
package struct S3ListPage: Sendable, Hashable {
    /// The objects, in the store's order (byte order on AWS and moto; SeaweedFS lists a "folder" at its name's
    /// place, which is byte order only when names at each level have one width).
    package var objects: [S3ObjectSummary]
    /// With a delimiter: the prefixes one level down (`pending/2026/`).
    package var commonPrefixes: [String]
    /// Whether more follow; then ``nextContinuationToken`` asks for them.
    package var isTruncated: Bool
    /// The token for the next page, when ``isTruncated``.
    package var nextContinuationToken: String?
    /// The store's clock when it answered.
    package var serverDate: Date?

    package init(
        objects: [S3ObjectSummary],
        commonPrefixes: [String],
        isTruncated: Bool,
        nextContinuationToken: String?,
        serverDate: Date?
    ) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
        self.serverDate = serverDate
    }
}
