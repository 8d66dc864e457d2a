import struct Foundation.Date

/// One object of a listing: its key, version, size and age.
package struct S3ObjectSummary: Sendable, Hashable {
    /// The full key (the listing's prefix included).
    package var key: String
    /// The version: what `If-Match` names.
    package var etag: S3ETag
    /// The size in bytes.
    package var size: Int
    /// When the store last wrote the object.
    package var lastModified: Date?

    package init(key: String, etag: S3ETag, size: Int, lastModified: Date?) {
        self.key = key
        self.etag = etag
        self.size = size
        self.lastModified = lastModified
    }
}
