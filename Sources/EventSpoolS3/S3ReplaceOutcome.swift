/// What a compare-and-swap (`PUT If-Match: "<etag>"`) came to.
package enum S3ReplaceOutcome: Sendable, Hashable {
    /// The object was the version named and now holds the bytes sent.
    case replaced(S3WriteReceipt)
    /// The object changed or is gone (412; 404 on moto; 409): nothing was written. Read it again; never write
    /// blindly.
    case lost(S3Conflict)
}
