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
    package func release() {
        let file = self.file.withLock { file in
            defer { file = nil }
            return file
        }
        // Closing the descriptor releases the flock.
        try? file?.closeOnce()
    }

    deinit {
        release()
    }
}
