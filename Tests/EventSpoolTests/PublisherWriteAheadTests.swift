import EventSpoolTesting
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// Write-ahead mode: the event is in `pending/` before it is sent, and an object shared by several
/// publishes is settled once all of them have ended — whatever else group commit put into it.
@Suite(.timeLimit(.minutes(1))) struct PublisherWriteAheadTests {
    static func event(_ index: Int, orderingKey: String? = nil) -> Event {
        Event(
            id: "write-ahead-\(index)",
            type: "com.example.order.created",
            source: "/orders",
            orderingKey: orderingKey,
            text: #"{"order":\#(index)}"#
        )
    }

    static func configuration(_ broker: TestBroker, _ spool: any Spool) -> Publisher.Configuration {
        var configuration = Publisher.Configuration(
            // Requests are held until the test lets them go: no timeout may end them first on a loaded machine.
            broker: BrokerConfiguration(url: broker.url, timeout: .seconds(300)),
            spool: spool.configuration,
            mode: .writeAhead
        )
        configuration.circuitBreaker.failureThreshold = 0
        return configuration
    }

    /// In write-ahead mode an event whose ordering key has events waiting is
    /// spooled plainly, and group commit may put it into one object with a write-ahead event. That object
    /// must still be settled once the write-ahead event has ended.
    @Test(.serialized, arguments: SpoolKind.all)
    func anObjectSharedWithAPlainSpooledEventIsSettled(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, _ in
                let waiting = SpooledEvent(
                    event: Self.event(0, orderingKey: "customer-7"),
                    delivery: DeliveryRecord(spooledAt: Date())
                )
                _ = try await spool.put([waiting])
                let grouping = GroupingSpool(spool, groupSize: 2)
                let publisher = try Publisher(
                    configuration: Self.configuration(broker, spool),
                    spool: grouping,
                    logger: quietLogger
                )
                async let sent = publisher.publish(Self.event(1))
                async let behind = publisher.publish(Self.event(2, orderingKey: "customer-7"))
                let outcomes = try await (sent, behind)
                await publisher.shutdown()

                #expect(outcomes.0 == .delivered)
                #expect(outcomes.1.spoolReason == .orderingKeyWaiting("customer-7"))
                #expect(grouping.sharedObjects == 1, "the two puts did not share an object")
                #expect(broker.requests.map { $0.header("ce-id") } == [Self.event(1).id])
                let pending = try await spool.allEvents(in: .pending).map(\.event.id)
                #expect(pending == [Self.event(0).id, Self.event(2).id], "the delivered event stayed in its object")
                #expect(publisher.writeAheadObjects.unsettledObjects == 0)
            }
        }
    }

    /// The defining property: in write-ahead mode the event is durably in `pending/` while its request is in
    /// flight (so a crash then cannot lose it), leased so that a sweeper leaves it to the publisher; in
    /// fallback mode it is not.
    @Test(.serialized, arguments: SpoolKind.all, [Publisher.Mode.writeAhead, .fallback])
    func theEventIsInPendingWhileItsRequestIsInFlight(kind: SpoolKind, mode: Publisher.Mode) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, _ in
                let gate = BrokerGate()
                broker.enqueue(.held(by: gate, then: .status(204)))
                var configuration = Self.configuration(broker, spool)
                configuration.mode = mode
                let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
                let publisher = try Publisher(
                    configuration: configuration,
                    spool: spool,
                    clock: clock,
                    logger: quietLogger
                )
                let sent = Self.event(1)
                let outcome = Task { try await publisher.publish(sent) }

                let requests = try await broker.waitForRequests(count: 1)
                #expect(requests.map { $0.header("ce-id") } == [sent.id])
                let inFlight = try await spool.allEvents(in: .pending)
                if mode == .writeAhead {
                    #expect(inFlight.map(\.event) == [sent])
                    // Leased past every timeout of the send: a sweeper does not send it a second time meanwhile.
                    let lease = try #require(inFlight.first?.delivery.nextAttemptAt).timeIntervalSince(clock.now)
                    #expect(lease > configuration.broker.timeout.seconds)
                } else {
                    #expect(inFlight.isEmpty)
                }

                gate.open()
                #expect(try await outcome.value == .delivered)
                #expect(try await spool.allEvents(in: .pending).isEmpty)
                await publisher.shutdown()
            }
        }
    }

    /// An object shared by write-ahead publishes stays whole while any of them is in flight, then is
    /// rewritten once with exactly the undelivered events (or deleted once when all were delivered).
    @Test(arguments: [true, false])
    func aSharedObjectIsRewrittenOnceWhenAllItsEventsHaveEnded(oneFails: Bool) async throws {
        try await withSpoolTest { context in
            let recorder = SpoolSyscallRecorder(root: context.spoolPath)
            let spool = try context.open(syscalls: recorder.syscalls)
            try await withTestBroker { broker in
                let gates = (0..<3).map { _ in BrokerGate() }
                // The second request fails (when one fails), the others are delivered; each waits for its gate.
                broker.setSchedule { index in
                    .held(by: gates[index], then: oneFails && index == 1 ? .status(503) : .status(204))
                }
                let publisher = try Publisher(
                    configuration: Self.configuration(broker, spool),
                    spool: GroupingSpool(spool, groupSize: 3),
                    logger: quietLogger
                )
                var publishes: [String: Task<PublishOutcome, any Error>] = [:]
                for index in 0..<3 {
                    let event = Self.event(index)
                    publishes[event.id] = Task { try await publisher.publish(event) }
                }
                let order = try await broker.waitForRequests(count: 3).compactMap { $0.header("ce-id") }
                let key = try #require(try await spool.keys(in: .pending).first)
                let objectPath = SpoolFolders.objectPath(key, in: .pending)
                recorder.clearCalls()

                // Two have ended; the third is still in flight: the object is left whole.
                for index in [0, 2] {
                    gates[index].open()
                    #expect(try await publishes[order[index]]?.value == .delivered)
                }
                #expect(try await spool.get(key, in: .pending).events.count == 3)
                // What changes an object: a rename over it, or an unlink (reads open, read and close it).
                let changes = {
                    recorder.calls.filter {
                        $0.contains(objectPath) && ($0.hasPrefix("rename ") || $0.hasPrefix("unlink "))
                    }
                }
                #expect(changes().isEmpty, "\(changes())")

                gates[1].open()
                let last = try await publishes[order[1]]?.value
                await publisher.shutdown()
                let rewrites = changes().filter { $0.hasPrefix("rename ") && $0.hasSuffix(objectPath) }
                let deletes = changes().filter { $0 == "unlink \(objectPath)" }
                if oneFails {
                    #expect(last == .spooled(key: key, reason: last?.spoolReason ?? .circuitOpen))
                    #expect(rewrites.count == 1 && deletes.isEmpty, "\(recorder.calls)")
                    let kept = try await spool.get(key, in: .pending).events
                    #expect(kept.map(\.event.id) == [order[1]])
                    #expect(kept.first?.delivery.attempts == 1)
                } else {
                    #expect(last == .delivered)
                    #expect(rewrites.isEmpty && deletes.count == 1, "\(recorder.calls)")
                    #expect(try await spool.keys(in: .pending).isEmpty)
                }
                #expect(publisher.writeAheadObjects.unsettledObjects == 0)
            }
            await spool.shutdown()
        }
    }
}

/// A spool that writes the puts of `groupSize` concurrent publishes as one object, as group commit may:
/// the sharing that write-ahead settling must cope with, made certain instead of left to timing.
/// Everything else goes to the spool underneath.
final class GroupingSpool: Spool {
    private typealias Waiter = (
        events: [SpooledEvent], continuation: CheckedContinuation<Result<SpoolKey, SpoolError>, Never>
    )

    let inner: any Spool
    let groupSize: Int
    private let waiting = Mutex<[Waiter]>([])
    private let objects = Mutex(0)

    init(_ inner: any Spool, groupSize: Int) {
        self.inner = inner
        self.groupSize = groupSize
    }

    /// How many objects held the puts of several publishes.
    var sharedObjects: Int { objects.withLock { $0 } }

    func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey {
        let result = await withCheckedContinuation { continuation in
            let group = waiting.withLock { waiting -> [Waiter]? in
                waiting.append((events, continuation))
                guard waiting.count == groupSize else { return nil }
                defer { waiting = [] }
                return waiting
            }
            guard let group else { return }
            objects.withLock { $0 += 1 }
            Task { [inner] in
                let result: Result<SpoolKey, SpoolError>
                do throws(SpoolError) {
                    result = .success(try await inner.put(group.flatMap(\.events)))
                } catch {
                    result = .failure(error)
                }
                for waiter in group { waiter.continuation.resume(returning: result) }
            }
        }
        return try result.get()
    }

    func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        try await inner.get(key, in: state)
    }

    func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        try await inner.header(key, in: state)
    }

    func replace(_ object: SpoolObject) async throws(SpoolError) {
        try await inner.replace(object)
    }

    func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) {
        try await inner.delete(key, in: state)
    }

    func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        try await inner.move(key, from: source, to: destination)
    }

    func list(_ state: SpoolState, prefix: String) -> any AsyncSequence<SpoolEntry, SpoolError> {
        inner.list(state, prefix: prefix)
    }

    func hasWaitingEvents(orderingKey: String) async throws(SpoolError) -> Bool {
        try await inner.hasWaitingEvents(orderingKey: orderingKey)
    }

    func beginOrderingKeyRelease() async throws(SpoolError) {
        try await inner.beginOrderingKeyRelease()
    }

    func releaseOrderingKeys(keeping: Set<String>) async throws(SpoolError) {
        try await inner.releaseOrderingKeys(keeping: keeping)
    }

    var configuration: SpoolConfiguration { inner.configuration }

    func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        try await inner.occupancy(of: state)
    }

    func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)? {
        try await inner.tryAcquireSweeperLease()
    }

    func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int {
        try await inner.removeLeftovers(before: cutoff)
    }
}
