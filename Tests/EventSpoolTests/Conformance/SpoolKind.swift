import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import Testing

/// A kind of spool the conformance tests run against: every test that takes `SpoolKind.all` as its arguments
/// runs once per conformer. A new conformer is one more entry in ``all`` (with whatever server its factory
/// starts), for example `SpoolKind(name: "s3", factory: S3SpoolFactory())`.
struct SpoolKind: Sendable, CustomTestStringConvertible {
    let name: String
    let factory: any SpoolFactory

    var testDescription: String { name }

    static let directory = SpoolKind(name: "directory", factory: DirectorySpoolFactory())
    static let memory = SpoolKind(name: "memory", factory: InMemorySpoolFactory())

    /// Every conformer of `Spool`.
    static let all: [SpoolKind] = [.directory, .memory]
}

/// Opens fresh, empty spools of one kind for tests.
protocol SpoolFactory: Sendable {
    /// A new, empty spool.
    ///
    /// - Parameters:
    ///   - location: A fresh temporary directory the test removes afterwards; a directory spool lives there.
    ///   - limits: The spool's limits.
    ///   - clock: The clock for keys and, where the kind has one, lease expiry.
    ///   - leaseDuration: How long the sweeper's lease lasts unrenewed, where the kind's lease can expire.
    func makeSpool(
        at location: String,
        limits: SpoolConfiguration.Limits,
        clock: ManualWallClock,
        leaseDuration: Duration,
        logger: Logger
    ) throws -> OpenedSpool
}

/// A spool a factory opened, and how to close it.
struct OpenedSpool: Sendable {
    let spool: any Spool
    /// Whether the spool's sweeper lease can expire (and so be lost mid-pass).
    let leaseCanExpire: Bool
    /// Stops the spool's threads and connections.
    let close: @Sendable () async -> Void
    /// Opens the same spool once more, as another process would: a second instance where the kind has
    /// instances that share a store (a directory, a bucket); for a spool in memory, the spool itself.
    let openAgain: @Sendable () throws -> OpenedSpool
}

struct DirectorySpoolFactory: SpoolFactory {
    func makeSpool(
        at location: String,
        limits: SpoolConfiguration.Limits,
        clock: ManualWallClock,
        leaseDuration: Duration,
        logger: Logger
    ) throws -> OpenedSpool {
        let spool = try DirectorySpool(
            configuration: SpoolConfiguration(directory: location, limits: limits),
            clock: clock,
            logger: logger
        )
        // A flock is held as long as its process runs: it cannot expire.
        return OpenedSpool(
            spool: spool,
            leaseCanExpire: false,
            close: { await spool.shutdown() },
            openAgain: {
                try makeSpool(at: location, limits: limits, clock: clock, leaseDuration: leaseDuration, logger: logger)
            }
        )
    }
}

struct InMemorySpoolFactory: SpoolFactory {
    func makeSpool(
        at location: String,
        limits: SpoolConfiguration.Limits,
        clock: ManualWallClock,
        leaseDuration: Duration,
        logger: Logger
    ) throws -> OpenedSpool {
        let spool = InMemorySpool(
            configuration: SpoolConfiguration(directory: location, limits: limits),
            clock: clock,
            leaseDuration: leaseDuration
        )
        return Self.opened(spool)
    }

    /// Every instance of a spool in memory is the spool: opening it again gives the same one.
    private static func opened(_ spool: InMemorySpool) -> OpenedSpool {
        OpenedSpool(spool: spool, leaseCanExpire: true, close: {}, openAgain: { opened(spool) })
    }
}
