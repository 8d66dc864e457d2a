/// What a read (GET or HEAD of one key) found.
package enum S3Lookup<Found: Sendable & Hashable>: Sendable, Hashable {
    /// The object.
    case found(Found)
    /// No object has the key (404).
    case notFound
}
