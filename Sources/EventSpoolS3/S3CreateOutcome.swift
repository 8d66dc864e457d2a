/// What a create-once (`PUT If-None-Match: *`) came to.
package enum S3CreateOutcome: Sendable, Hashable {
    /// The object did not exist and now holds the bytes sent.
    case created(S3WriteReceipt)
    /// The key exists (412; 409 from a store racing another conditional write): nothing was written.
    case exists(S3Conflict)
}
