import Synchronization

import struct Foundation.Date

/// Generates event ids: RFC 9562 UUIDv7, lower-case, time-ordered.
///
/// Ids made by one process sort in the order they were made, also within one millisecond:
/// the 12 bits after the timestamp count up (RFC 9562 §6.2, method 1).
enum EventID {
    private struct State {
        var milliseconds: UInt64 = 0
        var counter: UInt16 = 0
        /// Random bits from the system's generator, fetched 64 ids' worth at a time: one `getrandom`
        /// call per id was a tenth of the CPU a serial publish spends outside libcurl.
        var random: [UInt64] = []
    }

    private static let state = Mutex(State())
    private static let randomBatch = 64

    /// Returns a new UUIDv7 string such as `019a8b5e-7c1d-7f3a-9b2e-4d5c6a7b8c9d`.
    static func make(now: Date = Date()) -> String {
        let nowMilliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (milliseconds, counter, tail) = state.withLock { state -> (UInt64, UInt16, UInt64) in
            if nowMilliseconds > state.milliseconds {
                state.milliseconds = nowMilliseconds
                state.counter = UInt16.random(in: 0..<0x400)
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                // 4,096 ids in one millisecond: borrow the next millisecond to stay ordered.
                state.milliseconds += 1
                state.counter = 0
            }
            if state.random.isEmpty {
                var generator = SystemRandomNumberGenerator()
                state.random = (0..<randomBatch).map { _ in generator.next() }
            }
            return (state.milliseconds, state.counter, state.random.removeLast())
        }

        // unix_ts_ms (48 bits) | ver 7 (4) | counter (12) | var 0b10 (2) | random (62)
        let high = milliseconds << 16 | 0x7000 | UInt64(counter & 0xFFF)
        let low = 0x8000_0000_0000_0000 | (tail & 0x3FFF_FFFF_FFFF_FFFF)
        return format(high: high, low: low)
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
