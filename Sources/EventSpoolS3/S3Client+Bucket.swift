import EventSpoolHTTP

// The bucket itself: made by tests and by an operator's setup, never by the spool at run time.
extension S3Client {
    /// Creates the configured bucket (for a region other than `us-east-1` with its location constraint).
    ///
    /// - Returns: ``S3BucketOutcome/created`` (moto also answers so for a bucket that exists), or
    ///   ``S3BucketOutcome/alreadyOwned`` (409 `BucketAlreadyOwnedByYou`, SeaweedFS's answer for an existing one).
    /// - Throws: ``S3Error``: refused (409 `BucketAlreadyExists`: another account owns the name), or no answer
    ///   until the deadline.
    package func createBucket(deadline: ContinuousClock.Instant? = nil) async throws(S3Error) -> S3BucketOutcome {
        var body: [UInt8] = []
        if configuration.region != "us-east-1" {
            body = Array(
                ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                    + configuration.region + "</LocationConstraint></CreateBucketConfiguration>").utf8
            )
        }
        let call = S3Call(
            operation: "CreateBucket",
            method: .put,
            key: nil,
            body: body,
            maxResponseBodyBytes: S3Client.maxErrorBodyBytes,
            answers: [200, 409]
        )
        let exchange = try await exchange(call, deadline: self.deadline(deadline))
        guard exchange.status == 409 else { return .created }
        guard S3ErrorAnswer(exchange.response, redactor: redactor).storeCode == "BucketAlreadyOwnedByYou" else {
            throw failure(call, exchange)
        }
        return .alreadyOwned
    }
}
