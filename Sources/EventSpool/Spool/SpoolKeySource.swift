import Synchronization
import SystemPackage

import struct Foundation.Date

/// Makes the keys of new objects (and the names of temporary files): unique across the processes that
/// share a spool, and in the order they were made within one spool instance.
///
/// A key carries the process id and a random number drawn once per process, so two processes never
/// make the same key, not even when one reuses the id of a dead one; the sequence number, shared by every
/// instance in the process, keeps keys made within one microsecond apart.
final class SpoolKeySource: Sendable {
    /// The random number of this process in every key it makes.
    static let processNonce = UInt32.random(in: 0...UInt32.max)
    private static let sequence = Atomic<UInt32>(0)

    private let clock: any WallClock
    /// The time of the latest key: a clock stepped backwards must not make keys sort before older ones.
    private let latest = Mutex<Date>(.distantPast)

    init(clock: any WallClock) {
        self.clock = clock
    }

    /// A new key, later than every key this source made before.
    func next() -> SpoolKey {
        let now = clock.now
        let time = latest.withLock { latest in
            latest = max(latest, now)
            return latest
        }
        return SpoolKey.make(
            time: time,
            processID: UInt32(bitPattern: FileDescriptor.currentProcessID),
            nonce: Self.processNonce,
            sequence: Self.sequence.wrappingAdd(1, ordering: .relaxed).newValue
        )
    }

    /// A new name for a temporary file in `tmp/`: `<key>.tmp`.
    func nextTemporaryName() -> String {
        next().rawValue + SpoolDirectory.temporarySuffix
    }
}
