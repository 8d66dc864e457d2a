import EventSpoolTesting
import Foundation
import Synchronization
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// A pass that cannot read an object, and a pass over large objects: what it sends, what it holds in memory,
/// and what its report says.
@Suite struct SweeperReadFailureTests {
    @Test func anObjectThatCannotBeReadHoldsBackTheLaterEventsOfEveryOrderingKey() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                let keys = try await fixture.spoolEach([
                    testEvent("k-1", orderingKey: "k"), testEvent("k-2", orderingKey: "k"), testEvent("free"),
                ])
                let (recorder, spool) = try Self.recordingSpool(fixture)
                // EIO on every open of k-1's object: the pass cannot know which ordering keys it holds.
                recorder.fail("open", with: .ioError, pathContaining: keys[0].rawValue, times: 1000)
                let configuration = fixture.configuration(broker: broker, concurrency: 4)
                let report = try await Self.withSweeper(configuration, spool: spool, fixture) { await $0.sweep() }
                #expect(broker.requests.compactMap(\.eventID) == ["evt-free"], "k-2 must not overtake k-1")
                #expect(report.unreadable == 1 && report.delivered == 1 && report.deferred == 1, "\(report)")
                #expect(!report.remainingIsKnown && report.remaining == 1, "\(report)")
                #expect(report.oldestPendingAge != nil)
                #expect(report.needsAttention && report.failure?.contains(keys[0].rawValue) == true, "\(report)")

                // Readable again: the next pass sends the key in order.
                let again = try await fixture.withSweeper(configuration) { await $0.sweep() }
                #expect(again.delivered == 2 && again.remaining == 0 && !again.needsAttention, "\(again)")
                #expect(broker.requests.compactMap(\.eventID) == ["evt-free", "evt-k-1", "evt-k-2"])
            }
        }
    }

    @Test func aReplayDoesNotSendAnEventBehindAnObjectItCannotRead() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                let keys = try await fixture.spoolEach([
                    testEvent("k-1", orderingKey: "k"), testEvent("k-2", orderingKey: "k"),
                ])
                let (recorder, spool) = try Self.recordingSpool(fixture)
                recorder.fail("open", with: .ioError, pathContaining: keys[0].rawValue, times: 1000)
                let configuration = fixture.configuration(broker: broker)
                let report = try await Self.withSweeper(configuration, spool: spool, fixture) {
                    await $0.replay(.events(["evt-k-2"]))
                }
                #expect(broker.requests.isEmpty, "k-2 must not overtake k-1")
                #expect(report.unreadable == 1 && report.delivered == 0 && report.remaining == 1, "\(report)")
                #expect(report.notDelivered.map(\.id) == ["evt-k-2"] && report.notDelivered.first?.fate == .heldBack)
                #expect(report.needsAttention && report.failure?.contains(keys[0].rawValue) == true, "\(report)")
                #expect(try await fixture.events(.pending).map(\.event.id) == ["evt-k-1", "evt-k-2"])
            }
        }
    }

    @Test func aPassHoldsNoMoreOpenObjectsThanItsByteBudgetAllows() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                // Every answer takes a while, so a pass that reads ahead regardless of size reads all ten while
                // the first is in flight: one ordering key, so the later ones wait at the gate, not the window.
                broker.setDefaultBehavior(.delay(.milliseconds(200), then: .status(204)))
                let body = [UInt8](repeating: UInt8(ascii: "a"), count: 600 << 10)
                let events = (0..<10).map {
                    Event(
                        id: "big-\($0)",
                        type: "t",
                        source: "/s",
                        orderingKey: "k",
                        contentType: "text/plain",
                        body: body
                    )
                }
                let keys = try await fixture.spoolEach(events)
                let (recorder, spool) = try Self.recordingSpool(fixture)
                recorder.clearCalls()
                var configuration = fixture.configuration(broker: broker, concurrency: 4)
                configuration.maxOpenObjectBytes = 1 << 20
                let report = try await Self.withSweeper(configuration, spool: spool, fixture) { await $0.sweep() }
                #expect(report.delivered == 10, "\(report)")

                // Objects read and not yet deleted, after each call: 600 KiB fits once under 1 MiB, so at most two.
                var open = 0
                var peak = 0
                for call in recorder.calls where keys.contains(where: { call.contains($0.rawValue) }) {
                    if call.hasPrefix("open pending/") { open += 1 }
                    if call.hasPrefix("unlink pending/") { open -= 1 }
                    peak = max(peak, open)
                }
                #expect(peak == 2, "objects open at once: \(peak)")
            }
        }
    }

    // MARK: - Helpers

    /// A second handle on the fixture's spool whose system calls are recorded and can fail.
    private static func recordingSpool(_ fixture: SweeperFixture) throws -> (SpoolSyscallRecorder, DirectorySpool) {
        let recorder = SpoolSyscallRecorder(root: fixture.directory)
        let spool = try DirectorySpool(
            configuration: SpoolConfiguration(directory: fixture.directory),
            clock: fixture.clock,
            logger: fixture.logger,
            syscalls: recorder.syscalls
        )
        return (recorder, spool)
    }

    /// Runs `body` with a sweeper over `spool`, then shuts both down.
    private static func withSweeper<T: Sendable>(
        _ configuration: Sweeper.Configuration,
        spool: DirectorySpool,
        _ fixture: SweeperFixture,
        _ body: (Sweeper) async throws -> T
    ) async throws -> T {
        let sweeper = try Sweeper(
            configuration: configuration,
            spool: spool,
            clock: fixture.clock,
            randomNumberGenerator: SeededRandom(seed: 42),
            logger: fixture.logger
        )
        do {
            let result = try await body(sweeper)
            await sweeper.shutdown()
            await spool.shutdown()
            return result
        } catch {
            await sweeper.shutdown()
            await spool.shutdown()
            throw error
        }
    }
}
