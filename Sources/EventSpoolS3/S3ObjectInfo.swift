import struct Foundation.Date

/// What HEAD says of an object: its version, size and age, without its bytes.
package struct S3ObjectInfo: Sendable, Hashable {
    /// The version: what `If-Match` names.
    package var etag: S3ETag
    /// The size in bytes.
    package var size: Int
    /// When the store last wrote the object.
    package var lastModified: Date?
    /// The store's clock when it answered.
    package var serverDate: Date?

    package init(etag: S3ETag, size: Int, lastModified: Date?, serverDate: Date?) {
        self.etag = etag
        self.size = size
        self.lastModified = lastModified
        self.serverDate = serverDate
    }
}
