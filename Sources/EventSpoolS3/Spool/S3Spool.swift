import EventSpoolHTTP
import EventSpoolModel
public import EventSpoolStorage
import EventSpoolSystem
public import Logging
import Synchronization

/// A ``Spool`` on an S3-compatible bucket: the spool outlives the host, and sweepers on any host drain it.
///
/// Objects have the directory spool's keys and format, under `<prefix>pending/`, `<prefix>dead/` and
/// `<prefix>quarantine/` (docs/s3.md). Every write is conditional: a put creates its object only where none is
/// (`If-None-Match: *`), a replace or a delete happens only to the version this spool read (`If-Match`), so two
/// writers never overwrite each other: the loser gets ``SpoolError/Code/conflict`` and nothing changes. The
/// sweeper's lease is an object with an expiry in the store's time and an epoch (`<prefix>sweeper.lease`).
///
/// Call ``shutdown()`` when done: it waits for the puts under way.
public final class S3Spool: Spool {
    public let configuration: SpoolConfiguration
    /// The bucket, the endpoint and the lease settings.
    let store: SpoolConfiguration.ObjectStore
    let client: S3Client
    let clock: any WallClock
    let logger: Logger
    let keys: SpoolKeySource
    let usage: SpoolUsage
    let puts: S3PutQueue
    /// The version (ETag) of each object this spool last read or wrote: a replace or a delete names it, so that
    /// a change made by another writer since is never overwritten.
    let versions = Mutex(S3VersionCache())
    /// The first key new objects must follow (the newest key in `pending/`, found at the first put), once found.
    let keyFloor = Mutex<SpoolKey??>(nil)
    /// Whether the store's conditional writes were found atomic (before the first lease).
    let probePassed = Mutex(false)
    /// The ordering-key marks and their versions when the sweeper began a release.
    let releaseSnapshot = Mutex<[String: S3ETag]?>(nil)

    /// The longest a put may take, retries included.
    var putDeadline: Duration { store.timeout }
    /// A `writing` mark older than this (by the store's clock) lost its writer: no put takes that long.
    static let abandonedMarkAge = Duration.seconds(600)
    /// The longest ``SpoolConfiguration/ObjectStore/timeout``: far below ``abandonedMarkAge``.
    static let maximumTimeout = Duration.seconds(300)

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
        guard store.leaseDuration >= Self.minimumLeaseDuration else {
            throw SpoolError(
                code: .invalidConfiguration,
                operation: "open",
                path: store.location,
                message:
                    "spool.s3.leaseDuration must be at least \(Self.minimumLeaseDuration), not \(store.leaseDuration)"
            )
        }
        guard store.timeout > .zero, store.timeout <= Self.maximumTimeout else {
            throw SpoolError(
                code: .invalidConfiguration,
                operation: "open",
                path: store.location,
                message: "spool.s3.timeout must be more than 0 and at most \(Self.maximumTimeout), not \(store.timeout)"
            )
        }
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.logger = logger
        keys = SpoolKeySource(clock: clock, logger: logger)
        usage = SpoolUsage(limits: configuration.limits)
        puts = S3PutQueue(maxEvents: configuration.maxEventsPerObject)
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
        await puts.shutdown()
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
            tls: store.tls.settings,
            // A request may wait 9 s as the loser of a SeaweedFS conditional-write race; the operation ends at the
            // configured timeout, retries included.
            timeout: Timeout(connect: .seconds(2), request: min(store.timeout, .seconds(15)), operation: store.timeout),
            maxObjectBytes: SpoolObjectFormat.maxObjectBytes
        )
    }
}
