import EventSpoolS3
import Logging
import Synchronization

// Buckets for spools. A spool probes a store's conditional writes before its first sweeper lease unless the bucket
// records a pass (docs/s3.md, "The race probe"); on SeaweedFS that probe takes 15–40 s. So the server is probed
// once per test process, for real, and every spool bucket gets a copy of that pass: the same server passed it.
extension S3TestServer {
    /// Makes a new, empty bucket (``makeBucket(prefix:)``) holding this server's recorded race-probe pass under
    /// `prefix`, so that a spool on it takes its sweeper lease without probing again.
    ///
    /// - Throws: ``S3TestServerError`` when the server fails the probe: a spool must not run on it.
    package func makeSpoolBucket(prefix: String = "") async throws -> S3Configuration {
        let configuration = try await makeBucket(prefix: prefix)
        let record = try await probeRecord()
        try await withS3Client(configuration: configuration, logger: Logger(label: "S3TestServer")) { client in
            _ = try await client.putIfAbsent(client.key(S3RaceProbe.recordName), bytes: record)
        }
        return configuration
    }

    /// The bytes of this server's race-probe pass, probed the first time a test asks.
    private func probeRecord() async throws -> [UInt8] {
        let task = probing.withLock { task in
            if let task { return task }
            let started = Task {
                let bucket = try await makeBucket(prefix: "probed")
                return try await withS3Client(configuration: bucket, logger: Logger(label: "S3TestServer")) {
                    client in
                    // moto takes no lock between a condition's check and its write: now and then a round of the
                    // probe sees two winners (docs/s3.md). The fixture tries three times before it gives up on the
                    // server; a spool on a store that failed every time would rightly be refused.
                    for attempt in 1...3 {
                        do {
                            try await S3RaceProbe.requirePassed(client: client, logger: Logger(label: "S3TestServer"))
                            break
                        } catch let error as S3Error where error.code == .notAtomic && kind == .moto && attempt < 3 {
                            continue
                        }
                    }
                    guard case .found(let object) = try await client.get(client.key(S3RaceProbe.recordName)) else {
                        throw S3TestServerError("\(kind) at \(endpoint) passed the race probe but kept no record")
                    }
                    return object.bytes
                }
            }
            task = started
            return started
        }
        return try await task.value
    }
}
