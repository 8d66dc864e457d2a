import EventSpoolHTTP
import EventSpoolModel
import Logging

// The check a spool makes before its first sweeper lease: a store whose conditional writes are not atomic cannot
// hold a lease (two sweepers would both win it), so it is refused, never trusted silently.
extension S3RaceProbe {
    /// The object, below the configured prefix, that records a passed probe.
    package static let recordName = "\(folder)/passed"

    /// How long a recorded pass vouches for the store: a week. A store upgraded in place is probed again within a
    /// week, and at once when its `Server` header changed.
    package static let recordMaxAge: Duration = .seconds(7 * 24 * 3600)

    /// Makes sure the store behind `client` passed a race probe: reads `<prefix>/probe/passed`; when it is
    /// missing, unreadable, older than `maxAge` in the store's time, from another `Server`, or from a smaller
    /// probe than `probe`, runs `probe` (``startup``: 3 rounds of 8 writers creating and replacing; about 15–40 s
    /// on SeaweedFS, whose losers wait in 1-second lock retries, well under a second on moto) and records the
    /// pass.
    ///
    /// Two hosts checking at once both probe (each under its own run folder) and the record is written by
    /// whichever comes first (create-once, or a replace of the stale version read): no blind overwrite.
    ///
    /// - Parameters:
    ///   - client: The spool's client: its bucket, prefix and credentials. The races run on a client of their own
    ///     (one connection per writer, no retries).
    ///   - maxAge: How long a recorded pass holds.
    ///   - probe: The probe to run when no pass holds.
    ///   - logger: Where the probe's start and result are logged (info), and a failure (error).
    /// - Returns: The record that vouches for the store: the one found, or the one just written.
    /// - Throws: ``S3Error`` with code ``S3Error/Code/notAtomic`` when the probe failed ("the store's conditional
    ///   writes are not atomic: create round 2 had 3 winners of 8; EventSpool refuses to run a sweeper lease on
    ///   it …"); any other ``S3Error`` when the store could not be asked (unreachable, refused, no bucket).
    @discardableResult
    package static func requirePassed(
        client: S3Client,
        maxAge: Duration = recordMaxAge,
        probe: S3RaceProbe = .startup,
        logger: Logger
    ) async throws(S3Error) -> S3ProbeRecord {
        let key = client.key(recordName)
        let store = try await client.serverSoftware(key: key)
        var stale: S3ETag?
        if case .found(let object) = try await client.get(key) {
            if let record = S3ProbeRecord(json: object.bytes),
                record.vouches(
                    at: object.serverDate ?? store.date,
                    maxAge: maxAge,
                    server: store.name,
                    probe: probe.configuration
                )
            {
                return record
            }
            stale = object.etag
        }
        let configuration = probe.configuration
        logger.info(
            "probing the store's conditional writes before the first sweeper lease",
            metadata: [
                "s3.bucket": "\(client.configuration.bucket)", "probe.rounds": "\(configuration.rounds)",
                "probe.writers": "\(configuration.writers)", "probe.races": "\(configuration.races)",
            ]
        )
        let report = try await probe.run(store: client.configuration, logger: logger)
        guard report.passed else {
            let message = report.refusal(
                bucket: client.configuration.bucket,
                endpoint: HTTPURL.masked(client.configuration.endpoint)
            )
            logger.error("\(message)", metadata: ["s3.bucket": "\(client.configuration.bucket)"])
            throw S3Error(
                code: .notAtomic,
                operation: "race probe",
                bucket: client.configuration.bucket,
                key: client.key(folder),
                url: client.endpoint.url(key: key),
                message: message
            )
        }
        let record = try await recordPass(report, client: client, replacing: stale)
        logger.info(
            "the store's conditional writes passed the race probe",
            metadata: ["s3.bucket": "\(client.configuration.bucket)", "probe.duration": "\(report.duration)"]
        )
        return record
    }

    /// Records a passed probe in `<prefix>/probe/passed`: created where none is, else a replace of the version
    /// `stale` read. A lost race means another host recorded its own pass at the same moment: either record will
    /// do, and neither is overwritten blindly.
    ///
    /// - Throws: ``S3Error`` when the store could not be written.
    @discardableResult
    package static func recordPass(
        _ report: S3RaceProbeReport,
        client: S3Client,
        replacing stale: S3ETag?
    ) async throws(S3Error) -> S3ProbeRecord {
        let key = client.key(recordName)
        let record = S3ProbeRecord(report)
        if let stale {
            _ = try await client.putIfMatch(key, bytes: record.json, etag: stale)
        } else {
            _ = try await client.putIfAbsent(key, bytes: record.json)
        }
        return record
    }
}
