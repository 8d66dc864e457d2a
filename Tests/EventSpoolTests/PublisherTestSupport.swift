import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// The ways a broker fails that `publish` must survive by spooling.
enum BrokerFault: CaseIterable, Sendable, CustomTestStringConvertible {
    case connectionRefused
    case serviceUnavailable
    case hangsPastTheTimeout
    case closesMidResponse

    func apply(to broker: TestBroker) async throws {
        switch self {
        case .connectionRefused: try await broker.stopListening()
        case .serviceUnavailable: broker.enqueue(.status(503, body: "overloaded"))
        case .hangsPastTheTimeout: broker.enqueue(.hang)
        case .closesMidResponse: broker.enqueue(.closeMidResponse(status: 200))
        }
    }

    var testDescription: String { "\(self)" }
}

extension PublishOutcome {
    var spoolReason: SpoolReason? {
        if case .spooled(_, let reason) = self { return reason }
        return nil
    }
}

/// Runs `body` with a fresh spool of `kind` (in the context's temporary directory), closed and removed
/// afterwards.
func withPublisherSpool<Result: Sendable>(
    _ kind: SpoolKind = .directory,
    limits: SpoolConfiguration.Limits = .init(),
    _ body: (any Spool, SpoolTestContext) async throws -> Result
) async throws -> Result {
    try await withSpoolTest { context in
        let opened = try await kind.open(
            SpoolRequest(
                location: context.spoolPath,
                limits: limits,
                clock: ManualWallClock(Date()),
                leaseDuration: SweeperFixture.leaseDuration,
                logger: context.logger
            )
        )
        do {
            let result = try await body(opened.spool, context)
            await opened.close()
            return result
        } catch {
            await opened.close()
            throw error
        }
    }
}

extension Spool {
    /// Every event in `state`, in key order.
    func allEvents(in state: SpoolState) async throws -> [SpooledEvent] {
        try await objects(in: state).flatMap(\.events)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
