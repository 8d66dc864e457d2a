import Foundation
import Testing

@testable import EventSpool

/// Values read from disk or the network feed arithmetic and displays: none may trap, whatever it is. The
/// reliability suite throws whole objects at the commands (`CorruptObjectTests+HostileValues.swift`); these
/// are the pieces one by one.
@Suite struct HostileValueTests {
    static let farPast = Date(timeIntervalSinceReferenceDate: -1e300)
    static let farFuture = Date(timeIntervalSinceReferenceDate: 1e300)

    @Test func attemptsAreCountedUpToTheirBoundWithoutOverflow() {
        var record = DeliveryRecord(spooledAt: spoolTestTime, attempts: Int.max)
        record.record(attemptAt: spoolTestTime, error: nil)
        #expect(record.attempts == DeliveryRecord.maxAttempts)
        record.record(attemptAt: spoolTestTime, error: nil)
        #expect(record.attempts == DeliveryRecord.maxAttempts)

        var negative = DeliveryRecord(spooledAt: spoolTestTime, attempts: -5)
        negative.record(attemptAt: spoolTestTime, error: nil)
        #expect(negative.attempts == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func retryArithmeticNeverTrapsNorLoopsOverTheAttempts() {
        let policy = RetryPolicy(multiplier: 1, jitter: 0)
        #expect(policy.nominalDelay(afterAttempts: Int.min) == .seconds(5))
        // A multiplier of 1 never reaches the cap: the wait must be found without counting to Int.max.
        #expect(policy.nominalDelay(afterAttempts: Int.max) == .seconds(5))
        #expect(RetryPolicy(multiplier: 100).nominalDelay(afterAttempts: Int.max) == .seconds(6 * 3600))
        #expect(RetryPolicy(multiplier: 0.5).nominalDelay(afterAttempts: Int.max) == .zero)

        let record = DeliveryRecord(spooledAt: Self.farPast, attempts: 1)
        let reason = policy.exhaustion(of: record, now: spoolTestTime)
        #expect(reason?.hasPrefix("gave up after 106751991167300d15h in the spool") == true, "\(reason ?? "nil")")

        // A wait configured beyond the year 9999 is the year 9999: a spool object cannot hold a later time.
        let forever = RetryPolicy(baseDelay: .seconds(1e15), maxDelay: .seconds(1e15), jitter: 0)
        let next = forever.nextAttempt(after: spoolTestTime, attempts: 1)
        #expect(next == Event.latestRepresentableTime)
        #expect(Event.isRepresentable(next))
    }

    @Test func durationsOfAbsurdSecondsSaturate() {
        #expect(Duration.seconds(saturating: 1e300) == .longest)
        #expect(Duration.seconds(saturating: .infinity) == .longest)
        #expect(Duration.seconds(saturating: -1e300) == .zero - .longest)
        #expect(Duration.seconds(saturating: .nan) == .zero)
        #expect(Duration.seconds(saturating: 1.5) == .milliseconds(1500))
        #expect(Duration.age(of: Self.farPast, at: spoolTestTime) == .longest)
        #expect(Duration.age(of: Self.farFuture, at: spoolTestTime) == .zero)
        #expect(Duration.longest.shortDescription == "106751991167300d15h")
        #expect((.zero - Duration.longest).shortDescription == "\(Int.min)ms")
        #expect(Int(saturating: 1e300) == .max && Int(saturating: -1e300) == .min && Int(saturating: .nan) == 0)
    }

    @Test func anAttemptErrorKeepsOneLineAlsoWhenTheLineEndsInCRLF() {
        #expect(AttemptError(status: 503, message: "busy\r\nX-Injected: 1").message == "busy")
        #expect(AttemptError(status: 503, message: "busy\rX: 1").message == "busy")
        #expect(AttemptError(status: 503, message: "busy\nX: 1").message == "busy")
    }

    @Test func anEventWithMoreExtensionsThanABrokerTakesIsInvalid() throws {
        let extensions = Dictionary(uniqueKeysWithValues: (0...Event.maxExtensions).map { ("x\($0)", "v") })
        let event = Event(type: "t", source: "/s", text: "", extensions: extensions)
        #expect(throws: EventValidationError(field: "extensions", reason: "has 65 attributes, more than 64")) {
            try event.validate()
        }
        try Event(type: "t", source: "/s", text: "", extensions: extensions.filter { $0.key != "x0" }).validate()
    }

    /// Each change makes a value a reader refuses as corrupt; a writer must refuse it as well, or it would
    /// write an object that is quarantined at its next read.
    static let absurdChanges: [(String, @Sendable (inout SpooledEvent) -> Void)] = [
        ("spooledAt", { $0.delivery.spooledAt = farFuture }),
        ("nextAttemptAt", { $0.delivery.nextAttemptAt = farPast }),
        ("firstAttemptAt", { $0.delivery.firstAttemptAt = Date(timeIntervalSince1970: 253_402_300_800) }),
        ("attempts", { $0.delivery.attempts = -1 }),
        ("attempts", { $0.delivery.attempts = DeliveryRecord.maxAttempts + 1 }),
        (
            "history",
            { $0.delivery.history = Array(repeating: Attempt(time: spoolTestTime, error: nil), count: 17) }
        ),
        ("status", { $0.delivery.lastError = AttemptError(status: 1000, message: "x") }),
        ("message", { $0.delivery.lastError?.message = "two\nlines" }),
        ("deadReason", { $0.delivery.deadReason = String(repeating: "r", count: 4097) }),
        ("time", { $0.event.time = farPast }),
        ("id", { $0.event.id = "../escape" }),
    ]

    @Test func aWriterRefusesWhatAReaderWouldQuarantine() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            for (field, change) in Self.absurdChanges {
                var event = spoolTestEvent(1)
                event.delivery.lastError = AttemptError(status: 503, message: "busy")
                change(&event)
                await #expect(throws: SpoolError.self, "\(field)") { try await spool.put([event]) }
                let key = try await spool.put([spoolTestEvent(2)])
                await #expect(throws: SpoolError.self, "\(field)") {
                    try await spool.replace(SpoolObject(key: key, state: .pending, events: [event]))
                }
                #expect(try await spool.get(key, in: .pending).events == [spoolTestEvent(2)], "\(field)")
            }
            await spool.shutdown()
        }
    }
}
