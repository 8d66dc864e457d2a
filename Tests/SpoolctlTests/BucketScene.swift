import EventSpool
import Foundation
import Logging
import TestSupport

/// A spool in a fresh bucket of the shared SeaweedFS (signatures checked), and the spoolctl configuration file
/// that names it (`spool.backend: s3`, the `spool.s3.*` keys), with a spool directory beside it: the local last
/// resort, and what `migrate` moves from.
struct BucketScene {
    /// The bucket, the endpoint and the credentials.
    let store: S3Configuration
    /// The configuration file for `--config` (mode 0600: it holds the secret).
    let configFile: String
    /// The spool directory (`spool.directory`).
    let directory: String

    /// Makes a bucket and a configuration file in `folder`.
    ///
    /// - Parameters:
    ///   - endpoint: The endpoint the file names instead of the server's (a closed port, say).
    ///   - secret: The secret the file names instead of the server's.
    static func make(in folder: URL, endpoint: String? = nil, secret: String? = nil) async throws -> BucketScene {
        let store = try await S3TestServer.shared(.seaweedfs).makeSpoolBucket()
        let directory = folder.appendingPathComponent("spool").path
        let s3: [String: Any] = [
            "endpoint": endpoint ?? store.endpoint, "bucket": store.bucket,
            "accessKeyId": S3TestServer.adminCredentials.accessKeyID,
            "secretAccessKey": secret ?? S3TestServer.adminCredentials.secretAccessKey,
        ]
        let document: [String: Any] = ["spool": ["backend": "s3", "directory": directory, "s3": s3]]
        let path = folder.appendingPathComponent("eventspool.json").path
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return BucketScene(store: store, configFile: path, directory: directory)
    }

    /// The spool's configuration, as the file says it.
    var spoolConfiguration: SpoolConfiguration {
        SpoolConfiguration(
            directory: directory,
            objectStore: store.objectStore
        )
    }

    /// `s3://bucket/`, as spoolctl names the spool.
    var location: String { "s3://\(store.bucket)/" }

    /// Runs `body` with the bucket's spool, shut down afterwards.
    func withSpool<T>(_ body: (S3Spool) async throws -> T) async throws -> T {
        let spool = try S3Spool(configuration: spoolConfiguration, logger: SpoolFixture.logger)
        do {
            let result = try await body(spool)
            await spool.shutdown()
            return result
        } catch {
            await spool.shutdown()
            throw error
        }
    }

    /// Puts each list of events as one object into `state` of the bucket, as a publisher would; returns the keys.
    @discardableResult
    func put(objects: [[FixtureEvent]], state: SpoolState = .pending) async throws -> [String] {
        try await withSpool { spool in try await SpoolFixture.put(objects: objects, into: spool, state: state) }
    }

    /// The keys in `state` of the bucket, in key order.
    func keys(in state: SpoolState) async throws -> [String] {
        try await withSpool { spool in
            var keys: [String] = []
            for try await entry in spool.list(state) { keys.append(entry.key.rawValue) }
            return keys
        }
    }

    /// The bytes of an object as the bucket holds them.
    func bytes(of key: String, in state: SpoolState) async throws -> [UInt8]? {
        let client = try S3Client(configuration: store, logger: SpoolFixture.logger)
        let lookup = try await client.get(client.key("\(state)/\(key).evs"))
        await client.shutdown()
        guard case .found(let object) = lookup else { return nil }
        return object.bytes
    }

    /// Runs spoolctl with this scene's configuration file.
    func spoolctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        try await BuiltExecutable.run("spoolctl", arguments + ["--config", configFile], environment: environment)
    }
}
