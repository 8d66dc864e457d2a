import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// A spool with a local last resort (``LastResortSpool``): a put its primary refuses goes to the last resort and
/// `publish` says so; one ordering key's events follow each other there; a sweep drains both. The spool contract
/// itself runs against it in the conformance suite (`SpoolKind.lastResort`).
@Suite struct LastResortSpoolTests {
    /// A primary directory spool whose system calls can fail, over a last resort directory spool.
    private struct FailingPrimary {
        let recorder: SpoolSyscallRecorder
        let primary: DirectorySpool
        let lastResort: DirectorySpool
        let spool: LastResortSpool

        init(
            _ context: SpoolTestContext,
            clock: ManualWallClock,
            lastResortLimits: SpoolConfiguration.Limits = .init()
        ) throws {
            let primaryPath = context.base + "/primary"
            recorder = SpoolSyscallRecorder(root: primaryPath)
            primary = try DirectorySpool(
                configuration: SpoolConfiguration(directory: primaryPath),
                clock: clock,
                logger: quietLogger,
                syscalls: recorder.syscalls
            )
            lastResort = try DirectorySpool(
                configuration: context.configuration(limits: lastResortLimits),
                clock: clock,
                logger: quietLogger
            )
            spool = LastResortSpool(primary: primary, lastResort: lastResort)
        }

        func shutdown() async {
            await spool.shutdown()
        }
    }

    @Test func aPutThePrimaryCannotMakeDurableGoesToTheLastResortAndASweepDeliversBoth() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(SweeperFixture.start)
            let spools = try FailingPrimary(context, clock: clock)
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503))
                var configuration = Publisher.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: spools.spool.configuration
                )
                configuration.circuitBreaker.failureThreshold = 0
                let publisher = try Publisher(
                    configuration: configuration,
                    spool: spools.spool,
                    clock: clock,
                    logger: context.logger
                )
                let first = try await publisher.publish(testEvent("first"))
                // The primary's next flush fails: the object is not durable there, so the last resort takes it.
                spools.recorder.fail("fsync", with: .ioError)
                let second = try await publisher.publish(testEvent("second"))
                await publisher.shutdown()

                #expect(first.spoolReason?.lastResort == nil, "the primary took the first event")
                let diversion = try #require(second.spoolReason?.lastResort, "\(second)")
                #expect(diversion.primaryError?.code == .io)
                #expect(diversion.primaryLocation == spools.primary.location)
                #expect(diversion.lastResortLocation == context.spoolPath)
                #expect(diversion.orderingKey == nil)
                #expect("\(second)".contains("in the last resort \(context.spoolPath)"), "\(second)")
                #expect(spools.recorder.injected.count == 1)

                let warnings = context.logs.entries.filter { $0.level == .warning }
                #expect(warnings.map(\.message.description) == ["event spooled to the local last resort"])
                let metadata = try #require(warnings.first?.metadata)
                #expect(metadata["spool.primary"]?.description == spools.primary.location)
                #expect(metadata["spool.location"]?.description == context.spoolPath)
                #expect(metadata["spool.primaryError"]?.description.contains("fsync") == true)

                // Nothing lost: one event in each spool, both listed as one spool.
                #expect(try await spools.primary.allEvents(in: .pending).map(\.event.id) == ["evt-first"])
                #expect(try await spools.lastResort.allEvents(in: .pending).map(\.event.id) == ["evt-second"])
                #expect(try await spools.spool.allEvents(in: .pending).map(\.event.id) == ["evt-first", "evt-second"])
                #expect(try await spools.spool.occupancy(of: .pending).objects == 2)

                broker.setDefaultBehavior(.status(204))
                clock.advance(by: .seconds(3600))  // past both events' next attempt
                let sweeper = try Sweeper(
                    configuration: Sweeper.Configuration(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: spools.spool.configuration,
                        concurrency: 1  // one delivery at a time: the requests come in the listing's order
                    ),
                    spool: spools.spool,
                    clock: clock,
                    logger: quietLogger
                )
                let report = await sweeper.sweep()
                await sweeper.shutdown()
                #expect(report.delivered == 2, "\(report.renderText())")
                // The two publishes' attempts, then the sweep's deliveries, in key order across both spools.
                #expect(broker.requests.dropFirst(2).compactMap(\.eventID) == ["evt-first", "evt-second"])
                #expect(try await spools.spool.allEvents(in: .pending).isEmpty)
            }
            await spools.shutdown()
        }
    }

    @Test func anOrderingKeyWithEventsInTheLastResortKeepsGoingThereWhileThePrimaryWorks() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(SweeperFixture.start)
            // A primary that holds one object: the second put finds it full.
            let primary = InMemorySpool(
                configuration: SpoolConfiguration(directory: "memory", limits: .init(maxObjects: 1)),
                clock: clock
            )
            let lastResort = try DirectorySpool(
                configuration: context.configuration(),
                clock: clock,
                logger: quietLogger
            )
            let spool = LastResortSpool(primary: primary, lastResort: lastResort)
            func spooled(_ name: String, orderingKey: String?) -> [SpooledEvent] {
                [
                    SpooledEvent(
                        event: testEvent(name, orderingKey: orderingKey),
                        delivery: DeliveryRecord(spooledAt: clock.now)
                    )
                ]
            }

            let filler = try await spool.place(spooled("filler", orderingKey: nil))
            #expect(filler.diversion == nil)
            let early = try await spool.place(spooled("k1", orderingKey: "k"))
            #expect(early.diversion?.primaryError?.code == .full, "\(String(describing: early.diversion))")
            #expect(try await spool.hasWaitingEvents(orderingKey: "k"))

            // The primary has room again; the key's next event still follows the first one into the last resort.
            try await primary.delete(filler.key, in: .pending)
            clock.advance(by: .seconds(1))
            let late = try await spool.place(spooled("k2", orderingKey: "k"))
            let diversion = try #require(late.diversion)
            #expect(diversion.primaryError == nil)
            #expect(diversion.orderingKey == "k")
            #expect("\(diversion)".contains("ordering key k has events waiting there"))
            let other = try await spool.place(spooled("other", orderingKey: "j"))
            #expect(other.diversion == nil, "a key with nothing in the last resort goes to the primary")

            #expect(try await lastResort.allEvents(in: .pending).map(\.event.id) == ["evt-k1", "evt-k2"])
            #expect(try await primary.allEvents(in: .pending).map(\.event.id) == ["evt-other"])
            #expect(try await spool.allEvents(in: .pending).map(\.event.id) == ["evt-k1", "evt-k2", "evt-other"])
            await spool.shutdown()
        }
    }

    @Test func whenNeitherSpoolTakesAnEventPublishThrowsNamingBoth() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(SweeperFixture.start)
            let spools = try FailingPrimary(context, clock: clock, lastResortLimits: .init(maxObjects: 1))
            _ = try await spools.lastResort.put([spoolTestEvent(0)])
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503))
                let publisher = try Publisher(
                    configuration: .init(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: spools.spool.configuration
                    ),
                    spool: spools.spool,
                    clock: clock,
                    logger: quietLogger
                )
                spools.recorder.fail("fsync", with: .ioError)
                let error = await #expect(throws: PublishError.self) { try await publisher.publish(testEvent("lost")) }
                await publisher.shutdown()
                #expect(error?.code == .notDurable)
                let cause = try #require(error?.cause as? SpoolError)
                #expect(cause.code == .full, "the last resort's refusal: \(cause)")
                #expect(cause.message.contains(spools.primary.location) && cause.message.contains("fsync"), "\(cause)")
            }
            await spools.shutdown()
        }
    }

    @Test func theConfiguredSpoolIsADirectoryOrTheStoreWithItsLastResort() async throws {
        try await withSpoolTest { context in
            let store = SpoolConfiguration.ObjectStore(endpoint: "http://127.0.0.1:9", bucket: "events", prefix: "a/")
            let directory = try SpoolConfiguration(directory: context.spoolPath).open(logger: quietLogger)
            #expect(directory is DirectorySpool)
            await directory.shutdown()

            let alone = try SpoolConfiguration(directory: "", objectStore: store).open(logger: quietLogger)
            #expect(alone is S3Spool, "no last resort: the store alone, so a put it refuses throws")
            #expect(alone.location == "s3://events/a/")
            await alone.shutdown()

            let both = try #require(
                try SpoolConfiguration(directory: context.spoolPath, objectStore: store).open(logger: quietLogger)
                    as? LastResortSpool
            )
            #expect(both.primary is S3Spool)
            #expect((both.lastResort as? DirectorySpool)?.configuration.objectStore == nil)
            #expect(both.location == "s3://events/a/ (last resort \(context.spoolPath))")
            #expect(both.configuration.objectStore == store)
            await both.shutdown()

            #expect(throws: SpoolError.self, "without a store an empty directory is no spool") {
                try SpoolConfiguration(directory: "").open(logger: quietLogger)
            }
        }
    }

    /// Write-ahead mode spools before it sends: when the primary refuses that put, the last resort holds the event
    /// while it is sent, and a delivery removes it from there; a failed one leaves it there, said so.
    @Test func aWriteAheadPutThePrimaryRefusesIsSettledInTheLastResort() async throws {
        try await withSpoolTest { context in
            let clock = ManualWallClock(SweeperFixture.start)
            let spools = try FailingPrimary(context, clock: clock)
            try await withTestBroker { broker in
                broker.enqueue(.status(204), .status(503))
                var configuration = Publisher.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: spools.spool.configuration,
                    mode: .writeAhead
                )
                configuration.circuitBreaker.failureThreshold = 0
                let publisher = try Publisher(
                    configuration: configuration,
                    spool: spools.spool,
                    clock: clock,
                    logger: quietLogger
                )
                spools.recorder.fail("fsync", with: .ioError, times: 2)
                let delivered = try await publisher.publish(testEvent("delivered"))
                let kept = try await publisher.publish(testEvent("kept"))
                await publisher.shutdown()

                #expect(delivered == .delivered)
                #expect(kept.spoolReason?.lastResort?.primaryError?.code == .io, "\(kept)")
                #expect(spools.recorder.injected.count == 2, "both puts went to the primary first")
                #expect(try await spools.lastResort.allEvents(in: .pending).map(\.event.id) == ["evt-kept"])
                #expect(try await spools.primary.allEvents(in: .pending).isEmpty)
            }
            await spools.shutdown()
        }
    }

    /// Against a real store: a sweeper opened from the configuration (`Sweeper(configuration:)`, so through
    /// `SpoolConfiguration.open`) holds the bucket's lease and the directory's, and drains both in key order.
    @Test func aSweeperOfTheConfiguredSpoolDrainsTheBucketAndTheLastResort() async throws {
        try await withSpoolTest { context in
            let server = try await S3TestServer.shared(.seaweedfs)
            let bucket = try await server.makeSpoolBucket()
            let configuration = SpoolConfiguration(
                directory: context.spoolPath,
                objectStore: bucket.objectStore
            )
            let spool = try #require(try configuration.open(logger: quietLogger) as? LastResortSpool)
            func spooled(_ name: String) -> [SpooledEvent] {
                [SpooledEvent(event: testEvent(name), delivery: DeliveryRecord(spooledAt: Date()))]
            }
            _ = try await spool.lastResort.put(spooled("local-1"))
            _ = try await spool.put(spooled("bucket-2"))
            _ = try await spool.lastResort.put(spooled("local-3"))
            await spool.shutdown()

            try await withTestBroker { broker in
                let sweeper = try Sweeper(
                    configuration: Sweeper.Configuration(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: configuration,
                        concurrency: 1
                    ),
                    logger: quietLogger
                )
                let report = await sweeper.sweep()
                await sweeper.shutdown()
                #expect(report.delivered == 3, "\(report.renderText())")
                #expect(report.spoolDirectory == "s3://\(bucket.bucket)/ (last resort \(context.spoolPath))")
                #expect(broker.requests.compactMap(\.eventID) == ["evt-local-1", "evt-bucket-2", "evt-local-3"])
            }
            let reopened = try configuration.open(logger: quietLogger)
            #expect(try await reopened.allEvents(in: .pending).isEmpty)
            let lease = try #require(try await reopened.tryAcquireSweeperLease(), "the sweeper released both leases")
            await lease.release()
            await reopened.shutdown()
        }
    }

    /// Against a real store: SeaweedFS refuses a put signed with a wrong secret (403), the configured spool's last
    /// resort takes the event, and the secret appears in no form in the outcome, the error it carries or the logs.
    @Test func aStoreThatDeniesThePutSendsTheEventToTheLastResortShowingNoSecret() async throws {
        try await withSpoolTest { context in
            let server = try await S3TestServer.shared(.seaweedfs)
            let bucket = try await server.makeSpoolBucket()
            let wrongSecret = "wr0ng/S3cr3t+Key=\(UInt32.random(in: 0...UInt32.max))"
            var store = bucket.objectStore
            store.credentials?.secretAccessKey = wrongSecret
            let configuration = SpoolConfiguration(directory: context.spoolPath, objectStore: store)
            let spool = try configuration.open(logger: context.logger)
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503))
                let publisher = try Publisher(
                    configuration: .init(broker: BrokerConfiguration(url: broker.url), spool: configuration),
                    spool: spool,
                    logger: context.logger
                )
                let outcome = try await publisher.publish(testEvent("denied"))
                await publisher.shutdown()

                let diversion = try #require(outcome.spoolReason?.lastResort, "\(outcome)")
                #expect(diversion.primaryError?.code == .unavailable, "\(diversion)")
                #expect(diversion.primaryLocation == "s3://\(bucket.bucket)/")
                let lastResort = try #require((spool as? LastResortSpool)?.lastResort)
                #expect(try await lastResort.allEvents(in: .pending).map(\.event.id) == ["evt-denied"])

                let check = SecretLeakCheck(secrets: [wrongSecret])
                let texts =
                    ["\(outcome)", "\(diversion)", spool.location]
                    + context.logs.entries.map { "\($0.message) \($0.metadata)" }
                for text in texts {
                    #expect(check.leaks(in: text).isEmpty, "\(text)")
                }
            }
            await spool.shutdown()
        }
    }
}
