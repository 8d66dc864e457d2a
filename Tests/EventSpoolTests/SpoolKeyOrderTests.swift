import Foundation
import Testing

@testable import EventSpool

/// Keys sort in the order their objects were made — also across spool instances (processes) sharing a
/// spool, and when the wall clock steps backwards (an NTP correction): otherwise the sweeper would deliver
/// a later event of an ordering key before an earlier one.
@Suite struct SpoolKeyOrderTests {
    static let hour: TimeInterval = 3600

    @Test func aNewInstanceWhoseClockSteppedBackMakesKeysAfterThoseInPending() async throws {
        try await withSpoolTest { context in
            let first = try context.open(clock: SpoolTestClock(spoolTestTime))
            let early = try await first.put([spoolTestEvent(1)])
            await first.shutdown()

            // The clock steps back an hour; then a new process opens the spool (a restarted service,
            // every `spoolctl publish`).
            let second = try context.open(clock: SpoolTestClock(spoolTestTime.addingTimeInterval(-Self.hour)))
            let late = try await second.put([spoolTestEvent(2)])
            #expect(early < late)
            #expect(try await second.keys(in: .pending) == [early, late])
            await second.shutdown()
        }
    }

    @Test func instancesRunningTogetherMakeKeysInTheOrderTheirPutsReturned() async throws {
        try await withSpoolTest { context in
            let running = SpoolTestClock(spoolTestTime)
            let longLived = try context.open(clock: running)
            var keys = [try await longLived.put([spoolTestEvent(1)])]

            // The clock steps back an hour: a process started now reads the earlier time at once ...
            let newer = try context.open(clock: SpoolTestClock(spoolTestTime.addingTimeInterval(-Self.hour)))
            keys.append(try await newer.put([spoolTestEvent(2)]))
            // ... and the long-lived one once the step reaches it, while both keep writing.
            running.set(spoolTestTime.addingTimeInterval(-Self.hour))
            keys.append(try await longLived.put([spoolTestEvent(3)]))
            keys.append(try await newer.put([spoolTestEvent(4)]))

            #expect(keys == keys.sorted(), "\(keys)")
            #expect(try await newer.keys(in: .pending) == keys)
            await newer.shutdown()
            await longLived.shutdown()
        }
    }
}
