import EventSpoolModel
import EventSpoolSystem
import Logging
import Synchronization
import SystemPackage

import struct Foundation.Date

/// Makes the keys of new objects (and the names of temporary files): unique across the processes that
/// share a spool, and later than every key made before them — also across processes, and when the wall
/// clock steps backwards.
///
/// A key carries the process id and a random number drawn once per process, so two processes never
/// make the same key, not even when one reuses the id of a dead one; the sequence number, shared by every
/// instance in the process, keeps keys made within one microsecond apart.
///
/// A key's time is the latest of: the clock, the last key this source made, and one microsecond after
/// the floor it is given. A spool gives the newest key in `pending/` when it opens, and the newest key any
/// writer recorded in `newest-key` for every object (see `SpoolFolders.takeKey`): so a process that
/// starts after the clock stepped back an hour, or one that keeps running through the step, still makes
/// keys that sort after those already made.
///
/// Only times before the year 9999 count (``isCredible(_:)``). Keys of one microsecond sort by process id, not
/// in the order they were taken, so a floor at the last representable microsecond would pin every later key
/// there and lose publish order for good; a year of microseconds below that leaves room that one-microsecond
/// steps never use up. A clock that reads the year 9999 or later is not used: keys follow the floor, as in a
/// process whose clock is behind.
package final class SpoolKeySource: Sendable {
    /// The random number of this process in every key it makes.
    static let processNonce = UInt32.random(in: 0...UInt32.max)
    /// This process in the names of what it writes elsewhere (an object store's marks and lease): its id and its
    /// random number, in hex.
    package static var processNonceText: String {
        String(UInt32(bitPattern: FileDescriptor.currentProcessID), radix: 16) + "-" + String(processNonce, radix: 16)
    }
    private static let sequence = Atomic<UInt32>(0)

    /// The first microsecond of the year 9999: a key or a clock at or past it is not credible.
    static let credibleLimit = Int64(CivilTime.daysFromCivil(year: 9999, month: 1, day: 1)) * 86_400_000_000

    private let clock: any WallClock
    private let logger: Logger?
    /// The time of the latest key, in microseconds since 1970: keys never go back from it.
    private let latest: Mutex<Int64>
    /// Whether a clock reading past the credible times was logged already (once per source).
    private let loggedIncredibleClock = Atomic<Bool>(false)

    /// - Parameters:
    ///   - floor: Keys made by this source sort after it (the newest key in `pending/`, which must be credible).
    ///   - logger: Where a clock that reads the year 9999 or later is reported.
    package init(clock: any WallClock, after floor: SpoolKey? = nil, logger: Logger? = nil) {
        self.clock = clock
        self.logger = logger
        latest = Mutex(Self.after(floor) ?? SpoolKey.representableMicroseconds.lowerBound)
    }

    /// Whether `key` can be a floor: made before the year 9999.
    static func isCredible(_ key: SpoolKey) -> Bool {
        key.microseconds < credibleLimit
    }

    /// A new key, later than every key this source made before, and than `floor` (when credible).
    package func next(after floor: SpoolKey? = nil) -> SpoolKey {
        let reading = SpoolKey.microseconds(of: clock.now)
        let now = reading < Self.credibleLimit ? reading : SpoolKey.representableMicroseconds.lowerBound
        if reading >= Self.credibleLimit, !loggedIncredibleClock.exchange(true, ordering: .relaxed) {
            logger?.warning(
                "the clock reads the year 9999 or later; spool keys follow the newest key instead",
                metadata: ["spool.clock": "\(clock.now)"]
            )
        }
        let time = latest.withLock { latest in
            latest = max(latest, now, Self.after(floor) ?? latest)
            return latest
        }
        return SpoolKey.make(
            microseconds: time,
            processID: UInt32(bitPattern: FileDescriptor.currentProcessID),
            nonce: Self.processNonce,
            sequence: Self.sequence.wrappingAdd(1, ordering: .relaxed).newValue
        )
    }

    /// A new name for a temporary file in `tmp/`: `<key>.tmp`.
    func nextTemporaryName() -> String {
        next().rawValue + SpoolFolders.temporarySuffix
    }

    /// The first time after `key`'s (a key made by another process at the same microsecond could sort either
    /// way: the process id decides); `nil` for no key, or one that is not credible.
    private static func after(_ key: SpoolKey?) -> Int64? {
        guard let key, isCredible(key) else { return nil }
        return key.microseconds + 1
    }
}
