import struct Foundation.Date

/// A conditional request the store turned down: the key exists (a create), or the object is no longer the
/// version named (a replace or a delete). An answer, not a failure.
///
/// Stores say it differently, and ``status`` keeps what this one said: `If-Match` on a missing key is 412 on
/// SeaweedFS and 404 on moto; AWS answers 409 to a conditional write racing another.
package struct S3Conflict: Sendable, Hashable {
    /// 412, 409 or 404.
    package var status: Int
    /// The store's error code (`PreconditionFailed`, `NoSuchKey`, `ConditionalRequestConflict`), when it gave one.
    package var storeCode: String?
    /// The store's clock (its `Date` header) when it answered.
    package var serverDate: Date?

    package init(status: Int, storeCode: String? = nil, serverDate: Date? = nil) {
        self.status = status
        self.storeCode = storeCode
        self.serverDate = serverDate
    }
}
