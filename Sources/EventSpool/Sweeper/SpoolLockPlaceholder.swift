// TEMPORARY: stands in for the spool branch's `DirectorySpool.tryLock(named:)` and `SpoolLock` until that
// branch is merged; delete this file in the merge.

/// A held `flock` on a file of the spool directory.
public final class SpoolLock: Sendable {
    init() {}

    /// Releases the lock.
    public func release() {}
}

extension DirectorySpool {
    /// Takes an exclusive lock on `name` in the spool directory without waiting.
    ///
    /// - Returns: The lock, or `nil` when another process (or open file) holds it.
    public func tryLock(named name: String) throws(SpoolError) -> SpoolLock? {
        preconditionFailure("not implemented yet")
    }
}
