import EventSpool
import EventSpoolTesting
import Foundation
import Testing

/// How a sweep treats each kind of broker answer, against the real test broker and a real spool.
@Suite struct SweeperClassificationTests {
    @Test(.serialized, arguments: SpoolKind.all, [200, 201, 204])
    func successfulAnswersDeliverAndRemove(kind: SpoolKind, status: Int) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(status))
                let events = ["a", "b", "c"].map { testEvent($0) }
                try await fixture.spoolEach(events)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.delivered == 3)
                #expect(report.remaining == 0)
                #expect(try await fixture.events(.pending).isEmpty)
                #expect(try await fixture.events(.dead).isEmpty)
                #expect(broker.requests.compactMap(\.eventID) == events.map(\.id))
                #expect(report.renderText() == "")
                #expect(!report.needsAttention)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func retryAfterSecondsIsAFloorForTheNextAttempt(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503, headers: [("Retry-After", "120")], body: "busy\nmore"))
                try await fixture.spoolEach([testEvent("a")])
                let attemptTime = fixture.clock.now

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.deferred == 1)
                #expect(report.remaining == 1)
                let pending = try await fixture.events(.pending)
                #expect(pending.count == 1)
                let record = try #require(pending.first?.delivery)
                #expect(record.attempts == 1)
                #expect(record.lastError?.status == 503)
                #expect(record.lastError?.message.contains("busy") == true)
                #expect(record.lastError?.message.contains("more") == false)
                // The policy's own first wait is 5 s; the broker asked for 120 s.
                #expect(record.nextAttemptAt >= attemptTime.addingTimeInterval(120))
                #expect(report.renderText() == "", "a deferral needs nobody's attention")
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func retryAfterHTTPDateIsAFloorForTheNextAttempt(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let notBefore = fixture.clock.now.addingTimeInterval(3600)
                broker.setDefaultBehavior(.status(429, headers: [("Retry-After", httpDate(notBefore))]))
                try await fixture.spoolEach([testEvent("a")])

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.deferred == 1)
                let record = try #require(try await fixture.events(.pending).first?.delivery)
                #expect(record.lastError?.status == 429)
                #expect(record.nextAttemptAt >= notBefore)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func absurdRetryAfterIsCapped(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503, headers: [("Retry-After", "999999999")]))
                try await fixture.spoolEach([testEvent("a")])
                let attemptTime = fixture.clock.now
                let classification = DeliveryClassification(maxRetryAfter: .seconds(3600))
                let configuration = fixture.configuration(broker: broker, classification: classification)

                _ = try await fixture.withSweeper(configuration) { await $0.sweep() }

                let record = try #require(try await fixture.events(.pending).first?.delivery)
                #expect(record.nextAttemptAt <= attemptTime.addingTimeInterval(3600))
                #expect(record.nextAttemptAt >= attemptTime.addingTimeInterval(3599))
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all, [400, 404, 422, 501, 301])
    func permanentFailuresAreDeadLetteredOnTheFirstAttempt(kind: SpoolKind, status: Int) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                let headers = status == 301 ? [("Location", broker.url + "/moved")] : []
                broker.setDefaultBehavior(.status(status, headers: headers, body: "refused: \(status)"))
                let event = testEvent("a")
                try await fixture.spoolEach([event])

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.deadLettered == 1)
                #expect(report.remaining == 0)
                #expect(broker.requests.count == 1, "one attempt; a redirect is not followed")
                #expect(broker.requests.allSatisfy { $0.uri == "/events" })
                let givenUp = try #require(report.givenUp.first)
                #expect(givenUp.id == event.id)
                #expect(givenUp.type == event.type)
                #expect(givenUp.attempts == 1)
                #expect(givenUp.lastError?.status == status)
                #expect(givenUp.reason.contains("permanent"))
                #expect(try await fixture.events(.pending).isEmpty)
                let dead = try await fixture.events(.dead)
                #expect(dead.map(\.event) == [event])
                #expect(dead.first?.delivery.deadReason == givenUp.reason)
                #expect(report.needsAttention)
                #expect(report.renderText().contains(event.id))
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func goneEndpointStopsThePassAndKeepsEventsPending(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(410, body: "this webhook was deleted"))
                let events = ["a", "b", "c"].map { testEvent($0) }
                try await fixture.spoolEach(events)

                let report = try await fixture.withSweeper(fixture.configuration(broker: broker)) { await $0.sweep() }

                #expect(report.endpointGone)
                #expect(report.endpointError?.status == 410)
                #expect(report.stoppedEarly == .endpointGone)
                #expect(broker.requests.count == 1)
                #expect(report.delivered == 0 && report.deadLettered == 0)
                #expect(report.remaining == 3)
                let pending = try await fixture.events(.pending)
                #expect(pending.map(\.event) == events)
                #expect(pending.map(\.delivery.attempts) == [1, 0, 0])
                #expect(report.needsAttention)
                #expect(report.renderText().contains("Endpoint gone"))
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all, ["hang past the timeout", "connection reset"])
    func transportFailureIsDeferred(kind: SpoolKind, fault: String) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(fault == "connection reset" ? .resetBeforeResponse : .hang)
                try await fixture.spoolEach([testEvent("a")])
                var configuration = fixture.configuration(broker: broker)
                configuration.broker.connectTimeout = .seconds(1)
                configuration.broker.timeout = .milliseconds(300)

                let report = try await fixture.withSweeper(configuration) { await $0.sweep() }

                #expect(report.deferred == 1)
                #expect(report.deadLettered == 0)
                let record = try #require(try await fixture.events(.pending).first?.delivery)
                #expect(record.attempts == 1)
                #expect(record.lastError?.status == nil)
                #expect(record.lastError?.message.isEmpty == false)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func maxAttemptsGivesUpWithTheReasonInTheReport(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503, body: "still down"))
                let event = testEvent("a")
                try await fixture.spoolEach([event])
                let configuration = fixture.configuration(broker: broker, retry: RetryPolicy(jitter: 0, maxAttempts: 2))

                let (first, second) = try await fixture.withSweeper(configuration) { sweeper in
                    let first = await sweeper.sweep()
                    fixture.clock.advance(by: .seconds(3600))
                    return (first, await sweeper.sweep())
                }

                #expect(first.deferred == 1 && first.deadLettered == 0, "\(first)")
                #expect(second.deadLettered == 1, "\(second)")
                let givenUp = try #require(second.givenUp.first, "\(second)")
                #expect(givenUp.id == event.id)
                #expect(givenUp.attempts == 2)
                #expect(givenUp.reason.contains("retry.maxAttempts"))
                #expect(givenUp.lastError?.message.contains("still down") == true)
                #expect(try await fixture.events(.pending).isEmpty)
                let dead = try #require(try await fixture.events(.dead).first)
                #expect(dead.delivery.attempts == 2)
                #expect(dead.delivery.deadReason?.contains("retry.maxAttempts") == true)
            }
        }
    }

    @Test(.serialized, arguments: SpoolKind.all)
    func maxAgeGivesUpWithTheReasonInTheReport(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(503))
                let event = testEvent("a")
                try await fixture.spoolEach([event])
                fixture.clock.advance(by: .seconds(2 * 3600))
                let configuration = fixture.configuration(
                    broker: broker,
                    retry: RetryPolicy(jitter: 0, maxAge: .seconds(3600))
                )

                let report = try await fixture.withSweeper(configuration) { await $0.sweep() }

                #expect(report.deadLettered == 1)
                let givenUp = try #require(report.givenUp.first)
                #expect(givenUp.reason.contains("retry.maxAge"))
                #expect(givenUp.age >= .seconds(2 * 3600))
                #expect(try await fixture.events(.dead).map(\.event.id) == [event.id])
                #expect(report.renderText().contains("retry.maxAge"))
            }
        }
    }
}
