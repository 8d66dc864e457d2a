import EventSpoolHTTP
import EventSpoolStorage
import Logging

/// What `spoolctl doctor` checks of a spool's bucket: that it answers, takes a create-once write, gives the bytes
/// back and deletes them, and that its conditional writes are atomic (``S3RaceProbe``). A passed probe is recorded
/// in `<prefix>/probe/passed`, which spares the spools the start-up probe (when the doctor's probe was at least as
/// large: ``S3ProbeRecord/vouches(at:maxAge:server:probe:)``).
package enum S3StoreCheck {
    /// The create-once write, read and conditional delete of one small object under `<prefix>/probe/`.
    package struct WriteCheck: Sendable, Hashable {
        /// The object's full key.
        package var key: String
        /// What went wrong, or `nil` when the object was created, read back whole and deleted.
        package var problem: String?
        /// From the create to the end of the delete.
        package var duration: Duration
    }

    /// What the check found.
    package struct Report: Sendable {
        /// `s3://bucket/prefix`.
        package var location: String
        /// The endpoint, masked (no user name or password).
        package var endpoint: String
        /// The store's `Server` header, when it sends one.
        package var server: String?
        package var write: WriteCheck
        /// The race probe's report; `nil` when the write check failed (the probe was not run).
        package var probe: S3RaceProbeReport?
        /// Whether the pass was recorded in `<prefix>/probe/passed`.
        package var recorded: Bool

        /// Whether the store can hold a spool: writable, and every race round had one winner.
        package var passed: Bool { write.problem == nil && probe?.passed == true }
    }

    /// Checks the bucket `store` names with `probe`.
    ///
    /// - Throws: ``S3Error`` when the store cannot be asked at all: a configuration it refuses
    ///   (``S3Error/Code/invalidConfiguration``), no answer, a server error, a denial, no such bucket. A store that
    ///   answers but misbehaves (bytes read back differ, two winners in a round) is a report that did not pass.
    package static func run(
        store: SpoolConfiguration.ObjectStore,
        probe: S3RaceProbe,
        logger: Logger
    ) async throws(S3Error) -> Report {
        let configuration = S3Configuration(store)
        let client = try S3Client(configuration: configuration, logger: logger)
        let result: Result<Report, S3Error>
        do throws(S3Error) {
            result = .success(try await run(client: client, store: store, probe: probe, logger: logger))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        return try result.get()
    }

    private static func run(
        client: S3Client,
        store: SpoolConfiguration.ObjectStore,
        probe: S3RaceProbe,
        logger: Logger
    ) async throws(S3Error) -> Report {
        let recordKey = client.key(S3RaceProbe.recordName)
        let server = try await client.serverSoftware(key: recordKey)
        var report = Report(
            location: store.location,
            endpoint: HTTPURL.masked(store.endpoint),
            server: server.name,
            write: try await writeCheck(client),
            probe: nil,
            recorded: false
        )
        guard report.write.problem == nil else { return report }
        let probeReport = try await probe.run(store: client.configuration, logger: logger)
        report.probe = probeReport
        if probeReport.passed {
            let stale: S3ETag? =
                switch try await client.head(recordKey) {
                case .found(let info): info.etag
                case .notFound: nil
                }
            try await S3RaceProbe.recordPass(probeReport, client: client, replacing: stale)
            report.recorded = true
        }
        return report
    }

    /// Creates a small object once, reads it back, deletes that version, and checks it is gone.
    private static func writeCheck(_ client: S3Client) async throws(S3Error) -> WriteCheck {
        let key = client.key("\(S3RaceProbe.folder)/doctor-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))")
        let bytes = Array("eventspool doctor: a create-once write, read back and deleted\n".utf8)
        let started = ContinuousClock.now
        func check(_ problem: String?) -> WriteCheck {
            WriteCheck(key: key, problem: problem, duration: .now - started)
        }
        guard case .created(let receipt) = try await client.putIfAbsent(key, bytes: bytes) else {
            return check("a create-once write of a new key was refused (412): the key cannot exist")
        }
        guard case .found(let object) = try await client.get(key) else {
            try? await client.delete(key)
            return check("the object just created cannot be read (404)")
        }
        guard object.bytes == bytes else {
            try? await client.delete(key)
            return check("the object read back holds \(object.bytes.count) other bytes than the \(bytes.count) written")
        }
        guard case .deleted = try await client.deleteIfMatch(key, etag: receipt.etag) else {
            try? await client.delete(key)
            return check("a delete of the version just written was refused")
        }
        guard case .notFound = try await client.head(key) else {
            return check("the object is still there after its delete")
        }
        return check(nil)
    }
}
