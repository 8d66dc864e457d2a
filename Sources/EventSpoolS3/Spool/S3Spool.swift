import EventSpoolHTTP
import EventSpoolModel
public import EventSpoolStorage
import EventSpoolSystem
public import Logging

public import struct Foundation.Date

/// A ``Spool`` on an S3-compatible bucket: the spool outlives the host, and sweepers on any host drain it.
///
/// Objects have the directory spool's keys and format, under `<prefix>pending/`, `<prefix>dead/` and
/// `<prefix>quarantine/` (docs/s3.md). Every write is conditional: a put creates its object only where none is
/// (`If-None-Match: *`), a replace or a delete happens only to the object version read (`If-Match`), so two
/// writers never overwrite each other. The sweeper's lease is an object with an expiry in the store's time and
/// an epoch (`<prefix>sweeper.lease`).
public final class S3Spool: Spool {
    public let configuration: SpoolConfiguration
    /// The bucket, the endpoint and the lease settings.
    let store: SpoolConfiguration.ObjectStore
    let client: S3Client
    let clock: any WallClock
    let logger: Logger

    /// Opens the spool in the bucket `configuration.objectStore` names; no request is made yet.
    ///
    /// - Parameters:
    ///   - configuration: Its ``SpoolConfiguration/objectStore`` must be set; its limits bound `pending/`.
    ///   - clock: The wall clock for keys.
    ///   - logger: Where retries, take-overs and skipped foreign objects are logged.
    /// - Throws: ``SpoolError`` with code `.invalidConfiguration` naming what is wrong (never a secret).
    public init(
        configuration: SpoolConfiguration,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(SpoolError) {
        guard let store = configuration.objectStore else {
            throw SpoolError(
                code: .invalidConfiguration,
                operation: "open",
                path: configuration.directory,
                message: "an S3 spool needs spool.objectStore (spool.backend: s3)"
            )
        }
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.logger = logger
        do {
            client = try S3Client(configuration: S3Configuration(store), logger: logger)
        } catch {
            throw SpoolError(
                code: .invalidConfiguration,
                operation: "open",
                path: store.location,
                message: error.description
            )
        }
    }

    public var location: String { store.location }

    public func shutdown() async {
        await client.shutdown()
    }
}

extension S3Configuration {
    /// The client's configuration for a spool's object store.
    init(_ store: SpoolConfiguration.ObjectStore) {
        self.init(
            endpoint: store.endpoint,
            bucket: store.bucket,
            region: store.region,
            prefix: store.prefix,
            credentials: store.credentials.map {
                S3Credentials(
                    accessKeyID: $0.accessKeyID,
                    secretAccessKey: $0.secretAccessKey,
                    sessionToken: $0.sessionToken
                )
            },
            pathStyle: store.pathStyle,
            tls: store.tls.settings
        )
    }
}
