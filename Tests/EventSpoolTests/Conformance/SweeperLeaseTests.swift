import EventSpool
import EventSpoolTesting
import Foundation
import Testing

/// A sweeper works only while it holds the spool's lease: one that loses it mid-pass (a lease that expired
/// and was taken over) starts no further delivery and writes nothing, on every conformer whose lease can be
/// lost.
@Suite struct SweeperLeaseTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func aSweeperThatLosesItsLeaseMidPassStopsDeliveringAndWritesNothing(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            guard fixture.opened.leaseCanExpire else { return }  // a flock is never lost while its process runs
            try await withTestBroker { broker in
                let gate = BrokerGate()
                broker.enqueue(.held(by: gate, then: .status(204)))
                broker.setDefaultBehavior(.status(204))
                let keys = try await fixture.spoolEach((0..<3).map { testEvent("\($0)") })

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { sweeper in
                    async let pass = sweeper.sweep()
                    _ = try await broker.waitForRequests(count: 1)
                    // While the first delivery is in flight the lease expires and another sweeper takes over.
                    fixture.clock.advance(by: SweeperFixture.leaseDuration * 2)
                    let successor = try #require(try await fixture.spool.tryAcquireSweeperLease())
                    gate.open()
                    let report = await pass
                    #expect(successor.isValid, "the old holder's release must not end its successor's lease")
                    await successor.release()
                    return report
                }

                #expect(report.stoppedEarly == .leaseLost)
                #expect(report.failure?.contains("lease") == true, "\(report.failure ?? "no failure")")
                #expect(report.needsAttention)
                #expect(broker.requests.count == 1, "no delivery starts without the lease")
                // Not even the delivered event's object is settled: the successor sends it again (at-least-once).
                #expect(try await fixture.entries(.pending).map(\.key) == keys)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aSweeperReleasesItsLeaseAfterEachPass(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                try await fixture.spoolEach([testEvent("a")])
                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                #expect(report.delivered == 1 && !report.lockHeld)
                let lease = try #require(try await fixture.spool.tryAcquireSweeperLease(), "released after the pass")
                await lease.release()
            }
        }
    }
}
