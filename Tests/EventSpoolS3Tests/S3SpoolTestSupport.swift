import EventSpoolModel
import EventSpoolS3
import EventSpoolStorage
import EventSpoolTesting
import Foundation
import Logging
import TestSupport
import Testing

/// A bucket of a shared test server and the spool configuration for it: open as many ``S3Spool``s on it as a
/// test needs — each is what another process or host would have.
struct S3SpoolBucket: Sendable {
    let server: S3TestServer
    let s3: S3Configuration

    static func make(_ kind: S3TestServer.Kind = .seaweedfs, prefix: String = "") async throws -> S3SpoolBucket {
        let server = try await S3TestServer.shared(kind)
        return S3SpoolBucket(server: server, s3: try await server.makeSpoolBucket(prefix: prefix))
    }

    /// A spool configuration for the bucket.
    func configuration(
        leaseDuration: Duration = .seconds(30),
        hostID: String? = nil,
        secretAccessKey: String = S3TestServer.adminCredentials.secretAccessKey,
        endpoint: String? = nil,
        timeout: Duration = .seconds(20)
    ) -> SpoolConfiguration {
        var store = s3.objectStore
        store.credentials?.secretAccessKey = secretAccessKey
        store.endpoint = endpoint ?? s3.endpoint
        store.leaseDuration = leaseDuration
        store.hostID = hostID
        store.timeout = timeout
        return SpoolConfiguration(directory: "", objectStore: store)
    }

    /// Runs `body` with a spool on the bucket, shut down afterwards.
    func withSpool<T>(
        _ configuration: SpoolConfiguration? = nil,
        clock: any WallClock = SystemWallClock(),
        _ body: (S3Spool) async throws -> T
    ) async throws -> T {
        let spool = try S3Spool(configuration: configuration ?? self.configuration(), clock: clock, logger: quietLogger)
        do {
            let result = try await body(spool)
            await spool.shutdown()
            return result
        } catch {
            await spool.shutdown()
            throw error
        }
    }

    /// Runs `body` with a plain client on the bucket, to look at or plant objects behind the spool's back.
    func withClient<T>(_ body: (S3Client) async throws -> T) async throws -> T {
        try await withS3Client(configuration: s3, logger: quietLogger, body)
    }
}

/// A spooled event for the S3 spool tests.
func s3Event(_ id: String, orderingKey: String? = nil) -> SpooledEvent {
    SpooledEvent(
        event: Event(
            id: id,
            type: "com.example.test",
            source: "/s3-spool-tests",
            orderingKey: orderingKey,
            text: "{\"id\":\"\(id)\"}"
        ),
        delivery: DeliveryRecord(spooledAt: Date(), nextAttemptAt: Date())
    )
}

/// The error `body` throws as a ``SpoolError``, or `nil` when it throws none.
func spoolFailure(_ body: () async throws -> Void) async -> SpoolError? {
    do {
        try await body()
        return nil
    } catch let error as SpoolError {
        return error
    } catch {
        Issue.record("expected a SpoolError, got \(error)")
        return nil
    }
}
