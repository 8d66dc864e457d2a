import EventSpoolSystem
import Synchronization
import SystemPackage

/// An exclusive lock on a spool, such as the one a sweeper holds while it runs (`sweeper.lock`).
///
/// It is a `flock` on a file in the spool directory: the kernel releases it when the holder's process
/// ends, however it ends, so a crashed sweeper never leaves a stale lock behind.
package final class SpoolLock: Sendable {
    /// The lock file.
    package let path: String
    private let file: Mutex<FileDescriptor?>

    init(path: String, file: FileDescriptor) {
        self.path = path
        self.file = Mutex(file)
    }

    /// Releases the lock; calling it again does nothing. Also happens when the lock is deinitialized.
    package func unlock() {
        let file = self.file.withLock { file in
            defer { file = nil }
            return file
        }
        // Closing the descriptor releases the flock.
        try? file?.closeOnce()
    }

    deinit {
        unlock()
    }
}

/// The sweeper's lease of a ``DirectorySpool``: the `flock` on `sweeper.lock`, held until it is released or
/// its process ends. It needs no renewal and never expires; it is lost only by ``release()``.
extension SpoolLock: SpoolLease {
    package var renewalInterval: Duration? { nil }

    package func check() throws(SpoolError) {
        guard file.withLock({ $0 == nil }) else { return }
        throw SpoolError(code: .leaseLost, operation: "lease", path: path, message: "the lock was released")
    }

    package func renew() async throws(SpoolError) {
        try check()
    }

    package func release() async {
        unlock()
    }
}
