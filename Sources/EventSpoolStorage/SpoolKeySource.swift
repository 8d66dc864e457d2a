import EventSpoolModel
import EventSpoolSystem
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
package final class SpoolKeySource: Sendable {
    /// The random number of this process in every key it makes.
    static let processNonce = UInt32.random(in: 0...UInt32.max)
    private static let sequence = Atomic<UInt32>(0)

    private let clock: any WallClock
    /// The time of the latest key, in microseconds since 1970: keys never go back from it.
    private let latest: Mutex<Int64>

    /// - Parameter floor: Keys made by this source sort after it (the newest key in `pending/`).
    package init(clock: any WallClock, after floor: SpoolKey? = nil) {
        self.clock = clock
        latest = Mutex(floor.map { Self.after($0) } ?? SpoolKey.representableMicroseconds.lowerBound)
    }

    /// A new key, later than every key this source made before, and than `floor`.
    package func next(after floor: SpoolKey? = nil) -> SpoolKey {
        let now = SpoolKey.microseconds(of: clock.now)
        let time = latest.withLock { latest in
            latest = max(latest, now, floor.map(Self.after) ?? latest)
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

    /// The first time after `key`'s: a key made by another process at the same microsecond could sort either
    /// way (the process id decides). At the last representable time, that time itself.
    private static func after(_ key: SpoolKey) -> Int64 {
        min(key.microseconds + 1, SpoolKey.representableMicroseconds.upperBound)
    }
}
