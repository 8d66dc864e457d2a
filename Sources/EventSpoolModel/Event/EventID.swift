import Synchronization
import SystemPackage

import struct Foundation.Date

/// Generates event ids: RFC 9562 UUIDv7, lower-case, time-ordered.
///
/// Ids made by one process sort in the order they were made, also within one millisecond:
/// the 12 bits after the timestamp count up (RFC 9562 §6.2, method 1).
package enum EventID {
    private struct State {
        var milliseconds: UInt64 = 0
        var counter: UInt16 = 0
        /// Random bits from the system's generator, fetched 64 words at a time: a system call per id
        /// (as `SystemRandomNumberGenerator` makes) cost as much as all the rest of making the id.
        var random: [UInt64] = []

        mutating func nextRandom() -> UInt64 {
            if random.isEmpty {
                random = EventID.randomWords(EventID.randomBatch)
            }
            return random.removeLast()
        }
    }

    private static let state = Mutex(State())
    fileprivate static let randomBatch = 64

    /// Returns a new UUIDv7 string such as `019a8b5e-7c1d-7f3a-9b2e-4d5c6a7b8c9d`.
    package static func make(now: Date = Date()) -> String {
        let nowMilliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (milliseconds, counter, tail) = state.withLock { state -> (UInt64, UInt16, UInt64) in
            if nowMilliseconds > state.milliseconds {
                state.milliseconds = nowMilliseconds
                // A random start below 0x400 leaves at least 3,072 increments for this millisecond.
                state.counter = UInt16(truncatingIfNeeded: state.nextRandom()) & 0x3FF
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                // 4,096 ids in one millisecond: borrow the next millisecond to stay ordered.
                state.milliseconds += 1
                state.counter = 0
            }
            return (state.milliseconds, state.counter, state.nextRandom())
        }

        // unix_ts_ms (48 bits) | ver 7 (4) | counter (12) | var 0b10 (2) | random (62)
        let high = milliseconds << 16 | 0x7000 | UInt64(counter & 0xFFF)
        let low = 0x8000_0000_0000_0000 | (tail & 0x3FFF_FFFF_FFFF_FFFF)
        return format(high: high, low: low)
    }

    /// `count` words from the system's cryptographic generator: one read of `/dev/urandom` (the standard
    /// library's generator makes one `getrandom` call per word), or word by word when that fails.
    fileprivate static func randomWords(_ count: Int) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: count)
        let filled = words.withUnsafeMutableBytes { buffer -> Bool in
            guard let file = try? FileDescriptor.open("/dev/urandom", .readOnly, options: [.closeOnExec]) else {
                return false
            }
            defer { try? file.close() }
            return (try? file.read(into: buffer)) == buffer.count
        }
        if !filled {
            var generator = SystemRandomNumberGenerator()
            words = (0..<count).map { _ in generator.next() }
        }
        return words
    }

    /// The 36 characters of the UUID, written straight into the string's storage.
    private static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let digits: StaticString = "0123456789abcdef"
            var index = 0
            func append(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = digits.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() {
                buffer[index] = UInt8(ascii: "-")
                index += 1
            }
            append(high >> 32, nibbles: 8)
            dash()
            append(high >> 16, nibbles: 4)
            dash()
            append(high, nibbles: 4)
            dash()
            append(low >> 48, nibbles: 4)
            dash()
            append(low, nibbles: 12)
            return index
        }
    }
}
