import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import TestSupport
import Testing

/// A kind of spool the conformance tests run against: every test that takes `SpoolKind.all` as its arguments
/// runs once per conformer. A new conformer is one more kind in ``all`` — a name and how to open a fresh
/// spool (starting whatever server it needs), for example `SpoolKind(name: "s3") { try S3TestSpool.open($0) }`.
///
/// Such tests take `.serialized` too: a test's kinds run one after the other, so that running every test against
/// every kind does not also multiply the brokers, threads and spools the test runner has open at once.
struct SpoolKind: Sendable, CustomTestStringConvertible {
    let name: String
    /// Opens a new, empty spool of this kind.
    let open: @Sendable (SpoolRequest) async throws -> OpenedSpool

    var testDescription: String { name }

    static let directory = SpoolKind(name: "directory", open: openDirectory)

    private static func openDirectory(_ request: SpoolRequest) throws -> OpenedSpool {
        let spool = try DirectorySpool(
            configuration: SpoolConfiguration(directory: request.location, limits: request.limits),
            clock: request.clock,
            logger: request.logger
        )
        // A flock is held as long as its process runs: it cannot expire. Opened again: a second instance on the
        // same directory, as another process has.
        return OpenedSpool(
            spool: spool,
            leaseCanExpire: false,
            close: { await spool.shutdown() },
            openAgain: { try openDirectory(request) }
        )
    }

    static let memory = SpoolKind(name: "memory") { request in
        let spool = InMemorySpool(
            configuration: SpoolConfiguration(directory: request.location, limits: request.limits),
            clock: request.clock,
            leaseDuration: request.leaseDuration
        )
        return OpenedSpool.inMemory(spool)
    }

    /// A ``LastResortSpool``: a spool in memory as its primary (its lease expires, as an object store's does) and a
    /// directory spool in the same place as its last resort, as `SpoolConfiguration.open` makes for an object store.
    static let lastResort = SpoolKind(name: "memory+last resort") { request in
        let configuration = SpoolConfiguration(directory: request.location, limits: request.limits)
        let primary = InMemorySpool(
            configuration: configuration,
            clock: request.clock,
            leaseDuration: request.leaseDuration
        )
        @Sendable func open() throws -> OpenedSpool {
            let lastResort = try DirectorySpool(
                configuration: configuration,
                clock: request.clock,
                logger: request.logger
            )
            let spool = LastResortSpool(primary: primary, lastResort: lastResort)
            return OpenedSpool(
                spool: spool,
                leaseCanExpire: true,
                stores: 2,
                close: { await spool.shutdown() },
                openAgain: open
            )
        }
        return try open()
    }

    /// An ``S3Spool`` in a fresh bucket of the test process's SeaweedFS (started on first use). Its lease expires
    /// by the store's clock, which a test cannot move: the tests of expiry that move a manual clock skip it, and
    /// the S3 lease tests wait for a real expiry.
    static let s3 = SpoolKind(name: "s3") { request in
        let server = try await S3TestServer.shared(.seaweedfs)
        let bucket = try await server.makeSpoolBucket()
        let configuration = s3Configuration(bucket, request)
        return try openS3(configuration, request)
    }

    /// What `spool.backend: s3` opens in production (``SpoolConfiguration/open(clock:logger:)``): an ``S3Spool`` in
    /// a fresh bucket with a directory spool as its local last resort.
    static let s3WithLastResort = SpoolKind(name: "s3+directory") { request in
        let bucket = try await S3TestServer.shared(.seaweedfs).makeSpoolBucket()
        let configuration = s3Configuration(bucket, request)
        @Sendable func open() throws -> OpenedSpool {
            let spool = try configuration.open(clock: request.clock, logger: request.logger)
            return OpenedSpool(
                spool: spool,
                leaseCanExpire: false,
                stores: 2,
                close: { await spool.shutdown() },
                openAgain: open
            )
        }
        return try open()
    }

    /// A spool configuration for a test bucket, in the request's directory and with its limits and lease.
    private static func s3Configuration(_ bucket: S3Configuration, _ request: SpoolRequest) -> SpoolConfiguration {
        var store = bucket.objectStore
        store.leaseDuration = request.leaseDuration
        return SpoolConfiguration(directory: request.location, limits: request.limits, objectStore: store)
    }

    private static func openS3(_ configuration: SpoolConfiguration, _ request: SpoolRequest) throws -> OpenedSpool {
        let spool = try S3Spool(configuration: configuration, clock: request.clock, logger: request.logger)
        return OpenedSpool(
            spool: spool,
            leaseCanExpire: false,
            close: { await spool.shutdown() },
            openAgain: { try openS3(configuration, request) }
        )
    }

    /// Every conformer of `Spool`.
    static let all: [SpoolKind] = [.directory, .memory, .lastResort, .s3, .s3WithLastResort]
}

/// What a test asks of a new spool.
struct SpoolRequest: Sendable {
    /// A fresh temporary directory the test removes afterwards; a directory spool lives there.
    var location: String
    var limits = SpoolConfiguration.Limits()
    /// The clock for keys and, where the kind has one, lease expiry.
    var clock: ManualWallClock
    /// How long the sweeper's lease lasts unrenewed, where the kind's lease can expire.
    var leaseDuration: Duration
    var logger: Logger
}

/// A spool a kind opened, and how to close it.
struct OpenedSpool: Sendable {
    let spool: any Spool
    /// Whether the spool's sweeper lease can expire (and so be lost mid-pass).
    let leaseCanExpire: Bool
    /// How many stores, each with the configured limits, a put may fill before the spool is full: 2 for a spool
    /// with a last resort, which takes the puts its primary refuses.
    var stores = 1
    /// Stops the spool's threads and connections.
    let close: @Sendable () async -> Void
    /// Opens the same spool once more, as another process would: a second instance where the kind has
    /// instances that share a store (a directory, a bucket); for a spool in memory, the spool itself.
    let openAgain: @Sendable () throws -> OpenedSpool

    /// Every instance of a spool in memory is the spool: opening it again gives the same one.
    static func inMemory(_ spool: InMemorySpool) -> OpenedSpool {
        OpenedSpool(spool: spool, leaseCanExpire: true, close: {}, openAgain: { inMemory(spool) })
    }
}
