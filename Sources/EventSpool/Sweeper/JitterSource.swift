import EventSpoolModel
import EventSpoolPolicy
import Synchronization

import struct Foundation.Date

/// The random numbers behind retry jitter, shared by the deliveries of a sweeper.
///
/// Tests give a seeded generator, so the next-attempt times a pass persists are reproducible.
final class JitterSource: Sendable {
    private let generator: Mutex<any RandomNumberGenerator & Sendable>

    init(_ generator: any RandomNumberGenerator & Sendable) {
        self.generator = Mutex(generator)
    }

    /// ``RetryPolicy/nextAttempt(after:attempts:retryAfter:using:)`` with this source's numbers.
    func nextAttempt(_ policy: RetryPolicy, after time: Date, attempts: Int, retryAfter: Duration?) -> Date {
        generator.withLock { generator in
            var random = AnyRandomNumberGenerator(generator)
            defer { generator = random.base }
            return policy.nextAttempt(after: time, attempts: attempts, retryAfter: retryAfter, using: &random)
        }
    }
}

/// Lets a stored existential generator be passed where `inout some RandomNumberGenerator` is wanted.
private struct AnyRandomNumberGenerator: RandomNumberGenerator {
    var base: any RandomNumberGenerator & Sendable

    init(_ base: any RandomNumberGenerator & Sendable) {
        self.base = base
    }

    mutating func next() -> UInt64 {
        base.next()
    }
}
