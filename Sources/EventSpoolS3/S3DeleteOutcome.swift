import struct Foundation.Date

/// What a conditional delete (`DELETE If-Match: "<etag>"`) came to.
package enum S3DeleteOutcome: Sendable, Hashable {
    /// The version named is gone. After an attempt that got no clear answer, an object found missing counts as
    /// deleted by it: keeping a copy elsewhere (a move's destination) is then the safe side.
    case deleted(serverDate: Date?)
    /// The object changed or is already gone (412; 404 on moto): nothing was deleted.
    case lost(S3Conflict)
}
