/// What creating a bucket came to.
package enum S3BucketOutcome: Sendable, Hashable {
    /// The store answered 200: the bucket is new, or (moto) it existed and is ours.
    case created
    /// It exists and is ours (409 `BucketAlreadyOwnedByYou`, as SeaweedFS and AWS outside us-east-1 answer).
    case alreadyOwned
}
