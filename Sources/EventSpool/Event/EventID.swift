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
    }

    private static let state = Mutex(State())

    /// Returns a new UUIDv7 string such as `019a8b5e-7c1d-7f3a-9b2e-4d5c6a7b8c9d`.
    static func make(now: Date = Date()) -> String {
        let nowMilliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (milliseconds, counter) = state.withLock { state -> (UInt64, UInt16) in
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
            return (state.milliseconds, state.counter)
        }

        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
        }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: counter >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        for index in 8..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * (15 - index)))
        }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        return format(bytes)
    }

    private static func format(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 {
                text.append(UInt8(ascii: "-"))
            }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
