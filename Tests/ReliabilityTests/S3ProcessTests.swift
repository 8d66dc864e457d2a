import EventSpool
import EventSpoolTesting
import Foundation
import Synchronization
import TestSupport
import Testing

/// The S3 spool across processes and hosts (docs/s3.md): sweepers on two "hosts" (processes with different host
/// ids) share one bucket under the lease and deliver every event once; a sweeper SIGKILLed mid-pass is taken over
/// when its lease expires, and nothing is lost; a store that stops answering mid-publish sends the events to the
/// local last resort, and nothing acknowledged is lost.
@Suite(.serialized)
struct S3ProcessTests {
    @Test(.timeLimit(.minutes(4)))
    func twoSweeperHostsOnOneBucketDeliverEveryEventOnce() async throws {
        try await TemporaryDirectory.with { directory in
            let bucket = try await S3TestServer.shared(.seaweedfs).makeSpoolBucket()
            let ids = (0..<2000).map { "two-hosts-\($0)" }
            try await spool(ids, into: bucket, eventsPerObject: 10)
            let broker = try await TestBroker.start()
            broker.setDefaultBehavior(.status(204))

            let hosts = ["host-a", "host-b"]
            let runs = Shared<[String: Int]>([:])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for host in hosts {
                    group.addTask {
                        var number = 0
                        while Set(broker.requests.compactMap { $0.header("ce-id") }).count < ids.count {
                            number += 1
                            let child = try ChildProcess(
                                "spoolctl",
                                ["sweep", "--json", "--max-time", "3s"],
                                environment: environment(bucket, host: host, brokerURL: broker.url),
                                stderrPath: directory("\(host)-\(number).stderr")
                            )
                            let status = await child.exitStatus()
                            guard [0, 1].contains(status) else {
                                Issue.record("\(host) run \(number) exited \(status): \(child.errorOutput)")
                                return
                            }
                            runs.update { $0[host, default: 0] += 1 }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let delivered = broker.requests.compactMap { $0.header("ce-id") }
            let counts = Dictionary(delivered.map { ($0, 1) }, uniquingKeysWith: +)
            #expect(Set(delivered) == Set(ids), "every event delivered")
            let twice = counts.filter { $0.value > 1 }.keys.sorted()
            #expect(twice.isEmpty, "delivered twice: \(twice.prefix(5))")
            #expect(runs.value.count == 2)
            try await broker.shutdown()
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func aKilledSweepersLeaseIsTakenOverAfterItExpiresAndNothingIsLost() async throws {
        try await TemporaryDirectory.with { directory in
            let bucket = try await S3TestServer.shared(.seaweedfs).makeSpoolBucket()
            let ids = (0..<300).map { "killed-\($0)" }
            try await spool(ids, into: bucket, eventsPerObject: 1)
            let broker = try await TestBroker.start()
            let gate = BrokerGate()
            // The first 100 deliveries go through; then every request waits at the gate: the sweeper is mid-pass.
            for _ in 0..<100 { broker.enqueue(.status(204)) }
            broker.setDefaultBehavior(.held(by: gate, then: .status(204)))

            let lease = ["EVENTSPOOL_SPOOL_S3_LEASE_DURATION": "6s"]
            let killed = try ChildProcess(
                "spoolctl",
                ["sweep", "--json", "--max-time", "60s"],
                environment: environment(bucket, host: "host-a", brokerURL: broker.url).merging(lease) { $1 },
                stderrPath: directory("killed.stderr")
            )
            _ = try await broker.waitForRequests(count: 101)
            killed.kill(SIGKILL)
            _ = await killed.exitStatus()
            // What the dead holder left in the bucket: events it had not settled, delivered or not.
            let unsettled = try await storedIDs(bucket)
            gate.open()
            broker.setDefaultBehavior(.status(204))

            // The other host: refused while the dead holder's lease lasts, then it takes over and drains.
            var number = 0
            var tookOver = false
            while Set(broker.requests.compactMap { $0.header("ce-id") }).count < ids.count {
                number += 1
                let child = try ChildProcess(
                    "spoolctl",
                    ["sweep", "--json", "--max-time", "20s"],
                    environment: environment(bucket, host: "host-b", brokerURL: broker.url).merging(lease) { $1 },
                    stderrPath: directory("successor-\(number).stderr")
                )
                let status = await child.exitStatus()
                guard [0, 1].contains(status) else {
                    Issue.record("successor run \(number) exited \(status): \(child.errorOutput)")
                    break
                }
                tookOver = tookOver || child.errorOutput.contains("took over an expired sweeper lease")
                #expect(number < 2000, "the successor never got the lease")
                if number >= 2000 { break }
            }
            #expect(tookOver, "the successor took the crashed holder's lease over")
            let delivered = broker.requests.compactMap { $0.header("ce-id") }
            #expect(Set(delivered).isSuperset(of: ids), "nothing lost")
            let twice = Dictionary(delivered.map { ($0, 1) }, uniquingKeysWith: +).filter { $0.value > 1 }.keys
            // At-least-once: only an event whose object the holder had not yet settled may arrive again.
            let settledTwice = Set(twice).subtracting(unsettled)
            #expect(settledTwice.isEmpty, "settled by the holder, yet sent again: \(settledTwice.sorted().prefix(5))")
            #expect(unsettled.count < ids.count, "the holder had settled some objects before it died")
            try await broker.shutdown()
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func aStoreThatStopsMidPublishSendsEventsToTheLastResortAndLosesNothing() async throws {
        try await TemporaryDirectory.with { directory in
            let server = try await S3TestServer.shared(.seaweedfs)
            let bucket = try await server.makeSpoolBucket()
            let local = directory("last-resort")
            try await withRefusingURL { brokerURL in
                let publisher = try ChildProcess(
                    "eventspool-crashtest",
                    [
                        "publish", "--spool-dir", local, "--broker-url", brokerURL,
                        "--s3-endpoint", bucket.endpoint, "--s3-bucket", bucket.bucket,
                        "--s3-timeout-milliseconds", "1500",
                        "--ack-log", directory("acks.log"), "--start-log", directory("starts.log"),
                        "--tasks", "4", "--events", "0", "--id-prefix", "frozen", "--timeout-milliseconds", "200",
                    ],
                    environment: credentials,
                    stderrPath: directory("publisher.stderr")
                )
                let before = await publisher.wait { $0.acknowledged >= 200 || $0.ended }
                #expect(!before.ended, "\(publisher.errorOutput)")
                server.suspend()
                let frozen = await publisher.wait { $0.acknowledged >= before.acknowledged + 12 || $0.ended }
                server.resume()
                _ = await publisher.wait { $0.acknowledged >= frozen.acknowledged + 100 || $0.ended }
                publisher.kill(SIGKILL)
                _ = await publisher.exitStatus()
            }

            let journals = PublishJournals(startLog: directory("starts.log"), ackLog: directory("acks.log"))
            let locally = journals.acknowledged.filter { $0.value == "spooled-locally" }.keys
            #expect(!locally.isEmpty, "the frozen store sent puts to the last resort")
            #expect(journals.failed.isEmpty, "\(journals.failed.prefix(3))")
            let stored = Set(SpoolFiles.eventIDs(under: local + "/pending")).union(try await storedIDs(bucket))
            let lost = Set(journals.acknowledged.keys).subtracting(stored)
            #expect(lost.isEmpty, "acknowledged but in neither spool: \(lost.sorted().prefix(5))")

            // `spoolctl sweep` on this host drains both: the bucket and the last resort.
            let broker = try await TestBroker.start()
            broker.setDefaultBehavior(.status(204))
            var environment = environment(bucket, host: "host-a", brokerURL: broker.url)
            environment["EVENTSPOOL_SPOOL_DIRECTORY"] = local
            for run in 1...5 where !Set(broker.requests.compactMap { $0.header("ce-id") }).isSuperset(of: stored) {
                let sweep = try ChildProcess(
                    "spoolctl",
                    ["sweep", "--json"],
                    environment: environment,
                    stderrPath: directory("sweep-\(run).stderr")
                )
                _ = await sweep.exitStatus()
            }
            let delivered = Set(broker.requests.compactMap { $0.header("ce-id") })
            #expect(delivered.isSuperset(of: journals.acknowledged.keys), "a sweep left acknowledged events behind")
            #expect(SpoolFiles.eventIDs(under: local + "/pending").isEmpty, "the last resort is drained")
            try await broker.shutdown()
        }
    }

    // MARK: - Helpers

    /// The admin identity, as the AWS variables a process reads.
    private var credentials: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": S3TestServer.adminCredentials.accessKeyID,
            "AWS_SECRET_ACCESS_KEY": S3TestServer.adminCredentials.secretAccessKey,
        ]
    }

    /// `spoolctl`'s environment for a sweeper on `bucket` calling itself `host`, without a local last resort.
    private func environment(_ bucket: S3Configuration, host: String, brokerURL: String) -> [String: String] {
        credentials.merging(
            [
                "EVENTSPOOL_SPOOL_BACKEND": "s3",
                "EVENTSPOOL_SPOOL_DIRECTORY": "",
                "EVENTSPOOL_SPOOL_S3_ENDPOINT": bucket.endpoint,
                "EVENTSPOOL_SPOOL_S3_BUCKET": bucket.bucket,
                "EVENTSPOOL_SPOOL_S3_HOST_ID": host,
                "EVENTSPOOL_BROKER_URL": brokerURL,
                "EVENTSPOOL_BROKER_TIMEOUT": "5s",
                "EVENTSPOOL_RETRY_BASE_DELAY": "0s",
                "EVENTSPOOL_RETRY_JITTER": "0",
            ]
        ) { $1 }
    }

    /// The ids of the events in the bucket's `pending/`.
    private func storedIDs(_ bucket: S3Configuration) async throws -> Set<String> {
        let spool = try S3Spool(
            configuration: SpoolConfiguration(directory: "", objectStore: bucket.objectStore),
            logger: quietLogger
        )
        var ids: Set<String> = []
        for try await entry in spool.list(.pending) {
            ids.formUnion(try await spool.get(entry.key, in: .pending).events.map(\.event.id))
        }
        await spool.shutdown()
        return ids
    }

    /// Puts events with `ids` into the bucket, due now, `eventsPerObject` to an object, from 16 tasks.
    private func spool(_ ids: [String], into bucket: S3Configuration, eventsPerObject: Int) async throws {
        let spool = try S3Spool(
            configuration: SpoolConfiguration(directory: "", objectStore: bucket.objectStore),
            logger: quietLogger
        )
        let batches = stride(from: 0, to: ids.count, by: eventsPerObject).map {
            Array(ids[$0..<min($0 + eventsPerObject, ids.count)])
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for batch in batches.enumerated() where batch.offset % 16 == lane {
                        let events = batch.element.map { id in
                            SpooledEvent(
                                event: Event(id: id, type: "com.example.s3", source: "/s3-process-tests", text: "{}"),
                                delivery: DeliveryRecord(spooledAt: Date(), nextAttemptAt: Date())
                            )
                        }
                        _ = try await spool.put(events)
                    }
                }
            }
            try await group.waitForAll()
        }
        await spool.shutdown()
    }
}
