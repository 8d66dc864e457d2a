import EventSpoolTesting
import Foundation
import Testing

@testable import EventSpool

/// The sweeper's circuit breaker: a pass against a broker that keeps failing stops early.
@Suite struct SweeperCircuitBreakerTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func circuitBreakerStopsAPassAgainstADownBroker(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503))
                try await fixture.spoolEach((0..<10).map { testEvent("\($0)") })
                let configuration = fixture.configuration(broker: broker, concurrency: 1, circuitBreakerThreshold: 3)

                let report = try await fixture.withSweeper(configuration) { await $0.sweep() }

                #expect(broker.requests.count == 3)
                #expect(report.stoppedEarly == .circuitOpen)
                #expect(report.deferred == 10)
                #expect(report.remaining == 10)
                let attempts = try await fixture.events(.pending).map(\.delivery.attempts)
                #expect(attempts == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], "the rest are not touched")
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func aGoneEndpointStopsThePassAsGoneEvenWhenItAlsoOpensTheCircuit(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                // A 410 counts towards the breaker (the publisher's rule); with a threshold of 1 it opens it too.
                broker.setDefaultBehavior(.status(410))
                try await fixture.spoolEach((0..<3).map { testEvent("\($0)") })
                let configuration = fixture.configuration(broker: broker, concurrency: 1, circuitBreakerThreshold: 1)

                let report = try await fixture.withSweeper(configuration) { await $0.sweep() }

                #expect(broker.requests.count == 1)
                #expect(report.stoppedEarly == .endpointGone)
                #expect(report.endpointGone)
            }
        }
    }
}
