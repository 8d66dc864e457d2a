import EventSpoolTesting
import Foundation
import Logging
import ServiceLifecycle
import TestSupport
import Testing

@testable import EventSpool

/// The report's renderings, the secondary-broker fallback, and the long-running service form.
@Suite struct SweeperReportTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func jsonReportHasTheDocumentedFieldsAndRoundTrips(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.enqueue(.status(422, body: "missing field: amount\nat line 3"), .status(204))
                try await fixture.spoolEach([testEvent("bad"), testEvent("good")])

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }
                let json = report.renderJSON()

                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                for field in [
                    "kind", "spoolDirectory", "startedAt", "durationSeconds", "lockHeld", "dryRun", "delivered",
                    "deliveredToSecondary", "deferred", "notDue", "deadLettered", "quarantined", "unreadable",
                    "remaining", "oldestPendingAgeSeconds", "selected", "orderingPrefix", "missing", "endpointGone",
                    "endpointError",
                    "stoppedEarly", "failure", "givenUp", "unlistedGivenUp", "quarantinedObjects",
                    "unlistedQuarantined", "needsAttention",
                ] {
                    #expect(object[field] != nil, "missing field \(field)")
                }
                #expect(object["kind"] as? String == "sweep")
                #expect(object["needsAttention"] as? Bool == true)
                let givenUp = try #require((object["givenUp"] as? [[String: Any]])?.first)
                #expect(givenUp["id"] as? String == "evt-bad")
                #expect(givenUp["attempts"] as? Int == 1)
                #expect(givenUp["ageSeconds"] is Double)
                let lastError = try #require(givenUp["lastError"] as? [String: Any])
                #expect(lastError["status"] as? Int == 422)
                #expect((lastError["message"] as? String)?.contains("missing field: amount") == true)
                #expect((lastError["message"] as? String)?.contains("line 3") == false, "only the first line")

                #expect(try SweepReport.decodeJSON(json) == report.roundedForJSON)
            }
        }
    }

    @Test func aReplayedEventsFateIsWrittenUnderTheKeyOutcome() throws {
        // The JSON contract of `spoolctl replay --json` predates the Swift name `fate`.
        var report = SweepReport(kind: .replay, spoolDirectory: "/spool", startedAt: Date(timeIntervalSince1970: 0))
        report.recordNotDelivered(
            .init(id: "evt-1", type: "t", key: "k", state: "pending", fate: .heldBack, reason: "held")
        )
        let json = report.renderJSON(pretty: false)
        #expect(json.contains(#""notDelivered":[{"id":"evt-1","key":"k","outcome":"heldBack","reason":"held""#))
        #expect(try SweepReport.decodeJSON(json).notDelivered.first?.fate == .heldBack)
    }

    @Test func textReportIsEmptyWhenAllIsWellAndNamesWhatIsNot() async throws {
        var report = SweepReport(kind: .sweep, spoolDirectory: "/var/spool/eventspool", startedAt: SweeperFixture.start)
        report.delivered = 10
        report.deferred = 2
        #expect(report.renderText() == "")
        #expect(report.renderText(always: true).contains("delivered 10"))

        report.recordGivenUp(
            SweepReport.GivenUpEvent(
                id: "evt-1",
                type: "com.example.order.created",
                key: "20260921T141320.000000Z-00000001-00000002-00000003",
                age: .seconds(7200),
                attempts: 20,
                lastError: AttemptError(status: 503, message: "HTTP 503: busy"),
                reason: "gave up after 20 attempts (retry.maxAttempts = 20)"
            )
        )
        let text = report.renderText()
        #expect(text.contains("1 event given up"))
        #expect(text.contains("evt-1"))
        #expect(text.contains("com.example.order.created"))
        #expect(text.contains("age 2h"))
        #expect(text.contains("20 attempts"))
        #expect(text.contains("HTTP 503: busy"))
        #expect(text.contains("retry.maxAttempts"))
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func secondaryBrokerTakesGivenUpEventsBeforeDead(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { primary in
                try await withTestBroker { secondary in
                    primary.setDefaultBehavior(.status(400))
                    secondary.enqueue(.status(204), .status(500, body: "secondary down"))
                    try await fixture.spoolEach([testEvent("a"), testEvent("b")])
                    let configuration = fixture.configuration(
                        broker: primary,
                        fallback: .secondaryBroker,
                        secondaryBroker: secondary
                    )

                    let report = try await fixture.withSweeper(configuration) { await $0.sweep() }

                    #expect(report.deliveredToSecondary == 1)
                    #expect(report.deadLettered == 1)
                    #expect(secondary.requests.compactMap(\.eventID) == ["evt-a", "evt-b"])
                    let dead = try await fixture.events(.dead)
                    #expect(dead.map(\.event.id) == ["evt-b"])
                    #expect(dead.first?.delivery.attempts == 2)
                    #expect(dead.first?.delivery.deadReason?.contains("secondary broker") == true)
                    #expect(try await fixture.events(.pending).isEmpty)
                }
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func serviceSweepsUntilGracefulShutdown(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                try await fixture.spoolEach([testEvent("a"), testEvent("b")])
                var configuration = fixture.configuration(broker: broker)
                configuration.interval = .seconds(3600)
                let sweeper = try fixture.sweeper(configuration)
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(services: [sweeper], logger: fixture.logger)
                )

                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    _ = try await broker.waitForRequests(count: 2)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }

                #expect(broker.requests.compactMap(\.eventID) == ["evt-a", "evt-b"])
                #expect(try await fixture.events(.pending).isEmpty)
                await sweeper.shutdown()
            }
        }
    }
}

extension SweepReport {
    /// The report as it reads back from JSON: times to the second, durations as floating-point seconds.
    var roundedForJSON: SweepReport {
        var copy = self
        copy.startedAt = Date(timeIntervalSince1970: startedAt.timeIntervalSince1970.rounded(.down))
        copy.duration = .seconds(duration.seconds)
        copy.oldestPendingAge = oldestPendingAge.map { .seconds($0.seconds) }
        copy.givenUp = givenUp.map {
            var event = $0
            event.age = .seconds(event.age.seconds)
            return event
        }
        return copy
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
