import EventSpool
import EventSpoolTesting
import Foundation
import Testing

/// What every ``Spool`` promises, tried against every conformer (``SpoolKind/all``): create-once puts, whole
/// reads, key order, replace/move/delete, the sweeper's lease and the ordering-key marks under races. The
/// sweeper's and the publisher's own tests run against every conformer too (their suites take `SpoolKind.all`).
@Suite struct SpoolContractTests {
    private func event(_ name: String, orderingKey: String? = nil, due: Date = SweeperFixture.start) -> SpooledEvent {
        SpooledEvent(
            event: testEvent(name, orderingKey: orderingKey),
            delivery: DeliveryRecord(spooledAt: SweeperFixture.start, nextAttemptAt: due)
        )
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func putCreatesANewObjectEveryTimeInKeyOrderAndGetReadsItWhole(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let spool = fixture.spool
            let first = try await spool.put([event("a"), event("b")])
            // The same events again: a new object beside the first, never over it.
            let second = try await spool.put([event("a"), event("b")])
            let third = try await spool.put([event("c", orderingKey: "k")])

            #expect(first < second && second < third)
            #expect(try await spool.keys(in: .pending) == [first, second, third])
            #expect(try await spool.get(first, in: .pending).events.map(\.event.id) == ["evt-a", "evt-b"])
            #expect(try await spool.get(second, in: .pending).events.map(\.event.id) == ["evt-a", "evt-b"])
            let header = try await spool.header(first, in: .pending)
            #expect(header.eventCount == 2)
            #expect(header.nextAttemptAt == SweeperFixture.start)
            #expect(header.orderingKeys == [], "no event of the object has an ordering key")
            #expect(try await spool.header(third, in: .pending).orderingKeys == nil, "only a full read tells which")
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func badPutsAreRefusedAndLeaveNothing(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind, limits: .init(maxObjects: 2)) { fixture in
            let spool = fixture.spool
            await #expect(throws: SpoolError.self) { try await spool.put([]) }
            // Two objects fill a store; a spool with a last resort fills its primary, then the last resort.
            let capacity = 2 * fixture.opened.stores
            for index in 0..<capacity {
                _ = try await spool.put([event("\(index)")])
            }
            let full = await spoolError { _ = try await spool.put([event("c")]) }
            #expect(full?.code == .full)
            #expect(full?.message.contains("spool.maxObjects") == true, "\(String(describing: full))")
            #expect(try await spool.keys(in: .pending).count == capacity)
            let occupancy = try await spool.occupancy(of: .pending)
            #expect(occupancy.objects == capacity)
            var bytes: Int64 = 0
            for key in try await spool.keys(in: .pending) {
                bytes += Int64(try await spool.header(key, in: .pending).size)
            }
            #expect(occupancy.bytes == bytes)
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func listingFollowsKeyOrderAndPrefix(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let spool = fixture.spool
            var keys: [SpoolKey] = []
            for index in 0..<5 {
                keys.append(try await spool.put([event("\(index)")]))
                fixture.clock.advance(by: .seconds(3600))
            }
            let prefix = String(keys[2].rawValue.prefix(11))  // YYYYMMDDTHH: one hour
            #expect(try await spool.keys(in: .pending, prefix: prefix) == [keys[2]])
            var listed: [SpoolEntry] = []
            for try await entry in spool.list(.pending) {
                listed.append(entry)
            }
            #expect(listed.map(\.key) == keys)
            #expect(listed.allSatisfy { $0.state == .pending })
            #expect(try await spool.keys(in: .dead).isEmpty)
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func replaceIsAtomicForConcurrentReaders(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let spool = fixture.spool
            let small = [event("a")]
            let large = (0..<40).map { event("b\($0)") }
            let key = try await spool.put(small)
            let versions = [small.map(\.event.id), large.map(\.event.id)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for round in 0..<20 {
                        try await spool.replace(
                            SpoolObject(key: key, state: .pending, events: round % 2 == 0 ? large : small)
                        )
                    }
                }
                group.addTask {
                    for _ in 0..<40 {
                        let ids = try await spool.get(key, in: .pending).events.map(\.event.id)
                        #expect(versions.contains(ids), "a torn read: \(ids.count) events")
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await spool.keys(in: .pending) == [key], "replacing never makes a second object")
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func deleteMoveAndQuarantineMoveObjectsWhole(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let spool = fixture.spool
            let key = try await spool.put([event("a")])
            try await spool.move(key, from: .pending, to: .dead)
            #expect(await spoolError { _ = try await spool.get(key, in: .pending) }?.code == .notFound)
            #expect(try await spool.get(key, in: .dead).events.map(\.event.id) == ["evt-a"])

            // Never over an object: a replay into pending/ where the key is taken fails and moves nothing.
            try await spool.replace(SpoolObject(key: key, state: .pending, events: [event("b")]))
            #expect(await spoolError { try await spool.move(key, from: .dead, to: .pending) }?.code == .alreadyExists)
            #expect(try await spool.get(key, in: .dead).events.map(\.event.id) == ["evt-a"])

            // Quarantine keeps both objects of one key.
            let first = try await spool.quarantine(key, from: .dead)
            let second = try await spool.quarantine(key, from: .pending)
            #expect(first == key)
            #expect(second.quarantineNumber == 2 && second.objectKey == key)
            #expect(try await spool.keys(in: .quarantine).count == 2)

            try await spool.delete(first, in: .quarantine)
            #expect(await spoolError { try await spool.delete(first, in: .quarantine) }?.code == .notFound)
            #expect(try await spool.keys(in: .quarantine) == [second])
            #expect(try await spool.removeLeftovers(before: fixture.clock.now) >= 0)
            #expect(try await spool.keys(in: .quarantine) == [second], "leftovers are never objects")
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func oneLeaseAtATimeAmongConcurrentTakers(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let other = try fixture.opened.openAgain()
            let spools = [fixture.spool, other.spool]
            let leases = try await withThrowingTaskGroup(of: (any SpoolLease)?.self) { group in
                for index in 0..<16 {
                    group.addTask { try await spools[index % 2].tryAcquireSweeperLease() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let taken = leases.compactMap { $0 }
            #expect(taken.count == 1, "exactly one of 16 takers holds the lease")
            let lease = try #require(taken.first)
            try lease.check()
            try await lease.renew()
            #expect(try await other.spool.tryAcquireSweeperLease() == nil)

            await lease.release()
            #expect(!lease.isValid)
            #expect(await spoolError { try lease.check() }?.code == .leaseLost)
            #expect(await spoolError { try await lease.renew() }?.code == .leaseLost)
            let next = try #require(try await other.spool.tryAcquireSweeperLease(), "released: free to take")
            await next.release()
            await lease.release()  // again: nothing happens
            await other.close()
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func anExpiredLeaseIsLostForGoodAndCanBeTakenOver(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            guard fixture.opened.leaseCanExpire else { return }  // a flock never expires
            let spool = fixture.spool
            let lease = try #require(try await spool.tryAcquireSweeperLease())
            fixture.clock.advance(by: SweeperFixture.leaseDuration / 2)
            try await lease.renew()
            fixture.clock.advance(by: SweeperFixture.leaseDuration / 2)
            try lease.check()  // renewed half way: still held
            #expect(try await spool.tryAcquireSweeperLease() == nil)

            fixture.clock.advance(by: SweeperFixture.leaseDuration)
            #expect(!lease.isValid)
            #expect(await spoolError { try await lease.renew() }?.code == .leaseLost, "too late to renew")
            let successor = try #require(try await spool.tryAcquireSweeperLease())
            // Even once the clock is back, the old holder's lease stays lost: the successor holds it now.
            fixture.clock.advance(by: .zero - SweeperFixture.leaseDuration)
            #expect(!lease.isValid)
            await lease.release()
            try successor.check()
            await successor.release()
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func orderingMarksOutliveAReleaseWhenPutSinceItBegan(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let spool = fixture.spool
            let key = try await spool.put([event("a", orderingKey: "early")])
            #expect(try await spool.hasWaitingEvents(orderingKey: "early"))
            #expect(try await !spool.hasWaitingEvents(orderingKey: "never"))

            try await spool.beginOrderingKeyRelease()
            #expect(try await spool.hasWaitingEvents(orderingKey: "early"), "a pass begun clears no mark")
            _ = try await spool.put([event("b", orderingKey: "during")])
            try await spool.releaseOrderingKeys(keeping: ["kept"])
            #expect(try await !spool.hasWaitingEvents(orderingKey: "early"))
            #expect(try await spool.hasWaitingEvents(orderingKey: "during"), "put after the pass began")
            #expect(try await spool.hasWaitingEvents(orderingKey: "kept"))

            // A replayed object's keys are waiting again.
            try await spool.move(key, from: .pending, to: .dead)
            try await spool.beginOrderingKeyRelease()
            try await spool.releaseOrderingKeys(keeping: [])
            #expect(try await !spool.hasWaitingEvents(orderingKey: "early"))
            try await spool.move(key, from: .dead, to: .pending)
            #expect(try await spool.hasWaitingEvents(orderingKey: "early"))
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aPutRacingAReleaseNeverLosesItsMark(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let spool = fixture.spool
            for round in 0..<20 {
                let orderingKey = "race-\(round)"
                try await spool.beginOrderingKeyRelease()
                async let put = spool.put([event("r\(round)", orderingKey: orderingKey)])
                async let release: Void = spool.releaseOrderingKeys(keeping: [])
                _ = try await (put, release)
                // The put came after the release began: whichever finished first, its mark must stay.
                #expect(try await spool.hasWaitingEvents(orderingKey: orderingKey), "round \(round)")
            }
        }
    }
}
