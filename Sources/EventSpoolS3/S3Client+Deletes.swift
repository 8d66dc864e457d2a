import EventSpoolHTTP

// Deletes: the conditional one a move and a settlement use, and the plain one for clean-up.
extension S3Client {
    /// Deletes `key` if it is still the version `etag` (`DELETE If-Match: "<etag>"`).
    ///
    /// - Returns: ``S3DeleteOutcome/deleted(serverDate:)``; ``S3DeleteOutcome/lost(_:)`` when the object changed
    ///   or is already gone (412; 404 on moto). After an attempt without a clear answer, a lost answer is checked
    ///   with HEAD: an object now missing counts as deleted by that attempt.
    /// - Throws: ``S3Error``: refused, or no answer until the deadline.
    package func deleteIfMatch(
        _ key: String,
        etag: S3ETag,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error) -> S3DeleteOutcome {
        let deadline = self.deadline(deadline)
        let call = try objectCall(
            "DELETE If-Match",
            .delete,
            key,
            headers: [("If-Match", etag.quoted)],
            answers: [200, 204, 404, 409, 412]
        )
        let exchange = try await exchange(call, deadline: deadline)
        switch exchange.status {
        case 200, 204:
            return .deleted(serverDate: exchange.serverDate)
        default:
            try checkBucketExists(call, exchange)
            if exchange.followsUnclearAttempt, case .notFound = try await head(key, deadline: deadline) {
                return .deleted(serverDate: exchange.serverDate)
            }
            return .lost(conflict(exchange))
        }
    }

    /// Deletes `key` whatever version it is; a missing key is no error (both servers answer 204).
    ///
    /// - Throws: ``S3Error``: refused, or no answer until the deadline.
    package func delete(_ key: String, deadline: ContinuousClock.Instant? = nil) async throws(S3Error) {
        let call = try objectCall("DELETE", .delete, key, answers: [200, 204, 404])
        let exchange = try await exchange(call, deadline: self.deadline(deadline))
        try checkBucketExists(call, exchange)
    }
}
