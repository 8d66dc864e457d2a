import Synchronization

/// An estimate of how much `pending/` holds, cheap enough to check on every put against
/// ``SpoolConfiguration/Limits``.
///
/// `pending/` is counted by a scan once, lazily on the first put, and from then on kept up to date with
/// this process's own puts, deletes and moves. What other processes sharing the spool add or remove is
/// seen at the next scan, which happens when a put would break a limit (at most every
/// ``rescanInterval``, so a truly full spool is not rescanned on every put) and, once the estimate is
/// within 10% of a limit, at least every ``nearLimitRescanInterval``. So a limit may be overshot by what
/// other processes wrote since the last scan, and a put may be refused for up to ``rescanInterval`` after
/// another process freed room. Sizes are file sizes (`st_size`), not disk blocks.
package final class SpoolUsage: Sendable {
    /// What `pending/` holds.
    package struct Counts: Sendable, Hashable {
        package var bytes: Int64
        package var objects: Int

        package init(bytes: Int64, objects: Int) {
            self.bytes = bytes
            self.objects = objects
        }
    }

    private struct State {
        var counts: Counts?
        var lastScan: ContinuousClock.Instant?
    }

    static let rescanInterval = Duration.seconds(5)
    static let nearLimitRescanInterval = Duration.seconds(60)

    let limits: SpoolConfiguration.Limits
    private let state = Mutex(State())

    package init(limits: SpoolConfiguration.Limits) {
        self.limits = limits
    }

    /// Reserves room for `bytes` more in `pending/`, and for one more object when `newObject`.
    ///
    /// - Parameters:
    ///   - path: The folder named in the error.
    ///   - scan: Counts `pending/` afresh; called on the caller's thread (the writer's), without a lock held.
    /// - Throws: ``SpoolError`` with code `.full` naming the limit and its configuration key.
    func reserve(
        bytes: Int64,
        newObject: Bool,
        path: String,
        scan: () throws(SpoolError) -> Counts
    ) throws(SpoolError) {
        let now = ContinuousClock.now
        if needsScan(bytes: bytes, newObject: newObject, at: now) {
            record(try scan(), at: now)
        }
        try take(bytes: bytes, newObject: newObject, path: path)
    }

    /// Whether a reservation of `bytes` (and an object when `newObject`) must count `pending/` afresh first
    /// (``record(_:at:)``): on the first put, and when the estimate is at or near a limit and old enough.
    /// A spool whose count is asynchronous (an object store's listing) composes the reservation from this,
    /// ``record(_:at:)`` and ``take(bytes:newObject:path:)``, as ``reserve(bytes:newObject:path:scan:)`` does.
    package func needsScan(bytes: Int64, newObject: Bool, at now: ContinuousClock.Instant) -> Bool {
        let objects = newObject ? 1 : 0
        return state.withLock { state in
            guard let counts = state.counts, let lastScan = state.lastScan else { return true }
            let after = Counts(bytes: counts.bytes + bytes, objects: counts.objects + objects)
            if after.bytes > limits.maxBytes || after.objects > limits.maxObjects {
                return now - lastScan >= Self.rescanInterval
            }
            // Within 10 % of a limit; written so that a limit near `Int64.max` cannot overflow.
            if after.bytes > limits.maxBytes - limits.maxBytes / 10
                || after.objects > limits.maxObjects - limits.maxObjects / 10
            {
                return now - lastScan >= Self.nearLimitRescanInterval
            }
            return false
        }
    }

    /// Takes a fresh count of `pending/`, made at `now`.
    package func record(_ counts: Counts, at now: ContinuousClock.Instant) {
        state.withLock {
            $0.counts = counts
            $0.lastScan = now
        }
    }

    /// Reserves room by the estimate as it is.
    ///
    /// - Throws: ``SpoolError`` with code `.full` naming the limit and its configuration key.
    package func take(bytes: Int64, newObject: Bool, path: String) throws(SpoolError) {
        let objects = newObject ? 1 : 0
        func full(_ message: String) -> SpoolError {
            SpoolError(code: .full, operation: "put", path: path, message: "the spool is full: " + message)
        }
        try state.withLock { state throws(SpoolError) in
            var counts = state.counts ?? Counts(bytes: 0, objects: 0)
            if counts.objects + objects > limits.maxObjects {
                throw full("it holds \(counts.objects) objects, the limit (spool.maxObjects) is \(limits.maxObjects)")
            }
            if counts.bytes + bytes > limits.maxBytes {
                throw full(
                    "it holds \(counts.bytes) bytes and this write needs \(bytes) more, "
                        + "over the limit (spool.maxBytes) of \(limits.maxBytes) bytes"
                )
            }
            counts.bytes += bytes
            counts.objects += objects
            state.counts = counts
        }
    }

    /// Adds (or with negative numbers removes) what a write, delete or move changed in `pending/`.
    package func adjust(bytes: Int64, objects: Int) {
        state.withLock { state in
            guard var counts = state.counts else { return }  // not counted yet: the first scan will
            counts.bytes = max(0, counts.bytes + bytes)
            counts.objects = max(0, counts.objects + objects)
            state.counts = counts
        }
    }
}
