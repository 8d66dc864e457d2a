import EventSpool
import EventSpoolTesting
import Foundation
import Testing

@Suite struct ManualWallClockTests {
    @Test func movesOnlyWhenMoved() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let clock = ManualWallClock(start)
        #expect(clock.now == start)
        #expect(clock.now == start)

        clock.advance(by: .seconds(90))
        #expect(clock.now == start.addingTimeInterval(90))
        clock.advance(by: .milliseconds(500))
        #expect(clock.now == start.addingTimeInterval(90.5))
        clock.advance(by: .seconds(-30))
        #expect(clock.now == start.addingTimeInterval(60.5))

        let later = Date(timeIntervalSince1970: 1_800_000_000)
        clock.set(later)
        #expect(clock.now == later)
    }

    @Test func servesAsAWallClock() {
        let clock: any WallClock = ManualWallClock(Date(timeIntervalSince1970: 0))
        #expect(clock.now.timeIntervalSince1970 == 0)
    }
}
