import EventSpoolModel

import struct Foundation.Date

/// What a sweeper needs of a directory spool besides objects: its lease (a `flock` on `sweeper.lock`) and the
/// removal of leftovers.
extension DirectorySpool {
    /// The lock file a sweeper holds while it works on the spool.
    package static let sweeperLockName = "sweeper.lock"

    /// Takes the sweeper's lease: a non-blocking `flock` on `<spool>/sweeper.lock`, which the kernel releases when
    /// the process ends, however it ends. Two spool instances in one process exclude each other as two
    /// processes do.
    public func tryAcquireSweeperLease() async throws(SpoolError) -> (any SpoolLease)? {
        try tryLock(named: Self.sweeperLockName)
    }

    /// Takes the lock `name` in the spool directory (a non-blocking `flock` on `<spool>/<name>`).
    ///
    /// - Returns: The lock, or `nil` when another holder (in this or another process) has it.
    /// - Throws: ``SpoolError`` when the lock file cannot be opened, or `name` is not a plain file name.
    package func tryLock(named name: String = DirectorySpool.sweeperLockName) throws(SpoolError) -> SpoolLock? {
        try requireWritable("lock")
        return try directory.tryLock(named: name)
    }

    /// Removes the empty dated folders of `pending/`, `held/` and `dead/` that lie wholly before `cutoff`, and the
    /// files in `tmp/` that no writer holds (or that are older than
    /// ``SpoolConfiguration/staleTemporaryFileAge``). Safe while writers run: a writer whose folder vanished
    /// makes it again, and a writer holds its temporary file locked until the file has left `tmp/`.
    ///
    /// - Returns: How many folders and files were removed.
    @discardableResult
    public func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int {
        let folders = try await removeEmptyFolders(before: cutoff)
        let maximumAge = configuration.staleTemporaryFileAge
        let files = try await onIOThread("unlink") { [directory, clock] () throws(SpoolError) in
            directory.removeStaleTemporaryFiles(now: clock.now, maximumAge: maximumAge)
        }
        return folders + files
    }

    /// Removes the empty dated folders of `pending/`, `held/` and `dead/` that lie wholly before `cutoff`.
    ///
    /// - Returns: How many folders were removed.
    @discardableResult
    package func removeEmptyFolders(before cutoff: Date) async throws(SpoolError) -> Int {
        try requireWritable("rmdir")
        return try await onIOThread("rmdir") { [directory] () throws(SpoolError) in
            try directory.removeEmptyFolders(in: .pending, before: cutoff)
                + directory.removeEmptyFolders(in: .held, before: cutoff)
                + directory.removeEmptyFolders(in: .dead, before: cutoff)
        }
    }
}
