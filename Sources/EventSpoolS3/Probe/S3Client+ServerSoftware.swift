import EventSpoolHTTP

import struct Foundation.Date

// What the store says it is: kept with a passed race probe, so that a different store behind the same endpoint is
// probed again.
extension S3Client {
    /// The store's `Server` header (`SeaweedFS`, `Werkzeug/3.1.3 Python/3.11.7`, `AmazonS3`), cut to 120 bytes of
    /// printable ASCII (`nil` when the store sends none), and its clock, from a HEAD of `key` (which need not exist).
    ///
    /// - Throws: ``S3Error``: refused, or no answer until the deadline.
    package func serverSoftware(
        key: String,
        deadline: ContinuousClock.Instant? = nil
    ) async throws(S3Error)
        -> (name: String?, date: Date?)
    {
        let call = try objectCall("HEAD", .head, key, answers: [200, 404])
        let exchange = try await exchange(call, deadline: self.deadline(deadline))
        try checkBucketExists(call, exchange)
        let header = exchange.response.headers.first("Server") ?? ""
        let printable = String(decoding: header.utf8.filter { $0 >= 0x20 && $0 < 0x7F }.prefix(120), as: UTF8.self)
        return (printable.isEmpty ? nil : printable, exchange.serverDate)
    }
}
