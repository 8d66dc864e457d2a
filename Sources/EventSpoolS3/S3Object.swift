import struct Foundation.Date

/// An object read with GET: its bytes (all of them, or the range asked for) and what identifies the version.
package struct S3Object: Sendable, Hashable {
    /// The bytes: the whole object, or the range asked for (the store may send the whole object instead).
    package var bytes: [UInt8]
    /// The version read: what `If-Match` names to replace or delete exactly this one.
    package var etag: S3ETag
    /// The whole object's size: from `Content-Range` for a range, else the bytes' count.
    package var size: Int
    /// Whether ``bytes`` is the whole object.
    package var isWhole: Bool
    /// When the store last wrote the object (its `Last-Modified`).
    package var lastModified: Date?
    /// The store's clock when it answered.
    package var serverDate: Date?

    package init(bytes: [UInt8], etag: S3ETag, size: Int, isWhole: Bool, lastModified: Date?, serverDate: Date?) {
        self.bytes = bytes
        self.etag = etag
        self.size = size
        self.isWhole = isWhole
        self.lastModified = lastModified
        self.serverDate = serverDate
    }
}
