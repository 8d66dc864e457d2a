import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

@testable import EventSpool

/// Promises that need a second process: events of one ordering key reach the broker in publish order when a
/// process with a clock stepped back publishes into the spool, and a write-ahead event is already durable
/// while its request is in flight, so a crash then leaves it for the sweeper.
@Suite(.serialized)
struct OrderingProcessTests {
    static let orderingKey = "customer-7"

    static func event(_ id: String) -> SpooledEvent {
        SpooledEvent(
            event: Event(id: id, type: "com.example.test", source: "/tests", orderingKey: orderingKey, text: "{}"),
            delivery: DeliveryRecord(spooledAt: Date())
        )
    }

    /// One sweep of the spool at `spoolPath` to `broker`, its clock an hour ahead (past every backoff and lease).
    static func sweep(_ spoolPath: String, to broker: TestBroker) async throws -> SweepReport {
        let sweeper = try Sweeper(
            configuration: Sweeper.Configuration(
                broker: BrokerConfiguration(url: broker.url),
                spool: SpoolConfiguration(directory: spoolPath)
            ),
            clock: ManualWallClock(Date().addingTimeInterval(3600)),
            logger: quietLogger
        )
        let report = await sweeper.sweep()
        await sweeper.shutdown()
        return report
    }

    @Test(.timeLimit(.minutes(2)))
    func aProcessWhoseClockSteppedBackSpoolsBehindTheEarlierEventsOfItsKey() async throws {
        try await TemporaryDirectory.with { directory in
            let spoolPath = directory("spool")
            try await withRefusingURL { refusing in
                // A service running since before an NTP step back of one hour: its clock still reads the old time.
                let clock = ManualWallClock(Date())
                let service = try DirectorySpool(
                    configuration: SpoolConfiguration(directory: spoolPath),
                    clock: clock,
                    logger: quietLogger
                )
                _ = try await service.put([Self.event("first")])

                // A new process (a restarted service, `spoolctl publish`) reads the stepped-back clock at once.
                let child = try ChildProcess(
                    "eventspool-crashtest",
                    [
                        "publish", "--spool-dir", spoolPath, "--broker-url", refusing,
                        "--ack-log", directory("acks.log"), "--start-log", directory("starts.log"),
                        "--tasks", "1", "--events", "3", "--id-prefix", "stepped", "--ordering-key", Self.orderingKey,
                        "--clock-offset-seconds=-3600",
                    ],
                    stderrPath: directory("child.stderr")
                )
                let end = await child.wait { $0.done || $0.ended }
                #expect(end.done, "\(child.errorOutput)")
                #expect(await child.exitStatus() == 0)
                let journals = PublishJournals(startLog: directory("starts.log"), ackLog: directory("acks.log"))
                #expect(journals.acknowledged.values.sorted() == ["spooled", "spooled", "spooled"], "\(journals)")

                // Then the step reaches the long-running service too.
                clock.advance(by: .seconds(-3600))
                _ = try await service.put([Self.event("last")])
                await service.shutdown()

                let published = ["first", "stepped-t0-0", "stepped-t0-1", "stepped-t0-2", "last"]
                #expect(SpoolFiles.eventIDs(under: spoolPath + "/pending") == published, "keys out of publish order")

                try await withTestBroker { broker in
                    let report = try await Self.sweep(spoolPath, to: broker)
                    #expect(report.delivered == published.count, "\(report)")
                    #expect(broker.requests.map { $0.header("ce-id") } == published)
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aWriteAheadPublisherKilledMidRequestLeavesItsEventForTheSweeper() async throws {
        try await TemporaryDirectory.with { directory in
            let spoolPath = directory("spool")
            try await withTestBroker { broker in
                let gate = BrokerGate()
                broker.setDefaultBehavior(.held(by: gate, then: .status(204)))
                let child = try ChildProcess(
                    "eventspool-crashtest",
                    [
                        "publish", "--spool-dir", spoolPath, "--broker-url", broker.url,
                        "--ack-log", directory("acks.log"), "--start-log", directory("starts.log"),
                        "--mode", "writeAhead", "--tasks", "1", "--events", "1", "--id-prefix", "inflight",
                        "--timeout-milliseconds", "60000",
                    ],
                    stderrPath: directory("child.stderr")
                )
                // The request is at the broker, unanswered: the event is already durable in pending/.
                let request = try #require(try await broker.waitForRequests(count: 1).first)
                #expect(request.header("ce-id") == "inflight-t0-0")
                #expect(SpoolFiles.eventIDs(under: spoolPath + "/pending") == ["inflight-t0-0"])

                child.kill()
                _ = await child.exitStatus()
                let journals = PublishJournals(startLog: directory("starts.log"), ackLog: directory("acks.log"))
                #expect(journals.acknowledged.isEmpty)
                // Killed mid-request: the event stays, leased; a sweeper after the lease delivers it.
                #expect(SpoolFiles.eventIDs(under: spoolPath + "/pending") == ["inflight-t0-0"])
                gate.open()
                let report = try await Self.sweep(spoolPath, to: broker)
                #expect(report.delivered == 1, "\(report)")
                #expect(broker.requests.map { $0.header("ce-id") } == ["inflight-t0-0", "inflight-t0-0"])
                #expect(SpoolFiles.eventIDs(under: spoolPath + "/pending").isEmpty)
            }
        }
    }
}
