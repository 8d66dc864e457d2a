import EventSpoolModel
import EventSpoolSystem
import Logging
import SystemPackage

/// The spool's lock files. All are `flock`s, which the kernel drops however their holder ends, so a crash
/// never leaves one held; and a `flock` belongs to an open file description, so two spool instances in one
/// process exclude each other as two processes do.
///
/// - `sweeper.lock`: held by the running sweeper (``tryLock(named:)``).
/// - `newest-key`: holds the newest key any writer took. A writer locks it exclusively for the moment it
///   takes a key (``takeKey(from:newestKey:thenSharing:)``), so keys sort in the order they were taken, by
///   every process sharing the spool, whatever their clocks say.
/// - `ordering.lock`: shared by a put from the moment it marks its ordering keys until its object is in
///   place; exclusive for a sweeper that sets marks aside or removes them (`SpoolFolders+OrderingKeys`).
///   Whoever takes it passes through `newest-key` first: a sweeper waiting there holds back new puts, so a
///   steady stream of puts, each holding it shared, cannot starve it.
extension SpoolFolders {
    static let newestKeyFile = "newest-key"
    static let orderingLockFile = "ordering.lock"

    /// Opens `<spool>/<name>` (0600, never through a symbolic link) and takes a non-blocking exclusive flock.
    func tryLock(named name: String) throws(SpoolError) -> SpoolLock? {
        guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")),
            !name.utf8.contains(0)
        else {
            throw SpoolError(
                code: .invalidKey,
                operation: "lock",
                path: displayPath(name),
                message: "a lock name must be a plain file name"
            )
        }
        let file: FileDescriptor
        do {
            file = try syscalls.open(
                root,
                FilePath(name),
                .readWrite,
                [.create, .noFollow, .closeOnExec],
                Self.filePermissions
            )
        } catch {
            throw SpoolError.syscall("open", path: displayPath(name), error, "could not open the lock file")
        }
        do {
            guard try syscalls.lock(file, .exclusive, false) else {
                closeQuietly(file, name)
                return nil
            }
        } catch {
            closeQuietly(file, name)
            throw SpoolError.syscall("flock", path: displayPath(name), error, "could not lock the file")
        }
        return SpoolLock(path: displayPath(name), file: file)
    }

    /// Opens the lock file `name` (0600, created when missing, never through a symbolic link). Where the spool
    /// cannot be written it opens an existing one read-only: a lock needs no write access, and the write that
    /// follows fails with its own, clearer error.
    func openLockFile(_ name: String) throws(SpoolError) -> SpoolLockFile {
        do {
            let file = try syscalls.open(
                root,
                FilePath(name),
                .readWrite,
                [.create, .noFollow, .closeOnExec],
                Self.filePermissions
            )
            return SpoolLockFile(name: name, descriptor: file, isWritable: true, directory: self)
        } catch let error where [.readOnlyFileSystem, .permissionDenied, .notPermitted].contains(error) {
            if let file = try? syscalls.open(root, FilePath(name), .readOnly, [.noFollow, .closeOnExec], nil) {
                return SpoolLockFile(name: name, descriptor: file, isWritable: false, directory: self)
            }
            throw SpoolError.syscall("open", path: displayPath(name), error, "could not open the lock file")
        } catch {
            throw SpoolError.syscall("open", path: displayPath(name), error, "could not open the lock file")
        }
    }

    /// Takes a lock on `file`, waiting for it.
    func lock(_ file: SpoolLockFile, _ kind: Syscalls.FileLock) throws(SpoolError) {
        do {
            _ = try syscalls.lock(file.descriptor, kind, true)
        } catch {
            throw SpoolError.syscall("flock", path: displayPath(file.name), error, "could not lock the file")
        }
    }

    /// Drops the lock held through `file`. Cannot fail in practice (the descriptor is open); should it, closing
    /// the file drops the lock too.
    func unlock(_ file: SpoolLockFile) {
        do {
            _ = try syscalls.lock(file.descriptor, .unlock, true)
        } catch {
            logger.warning(
                "could not unlock a spool lock file",
                metadata: ["spool.path": "\(displayPath(file.name))", "spool.errno": "\(error)"]
            )
        }
    }

    /// Takes `ordering.lock` (`.shared` or `.exclusive`), passing through `newest-key` on the way.
    func enterOrderingLock(
        _ kind: Syscalls.FileLock,
        newestKey: SpoolLockFile,
        ordering: SpoolLockFile
    )
        throws(SpoolError)
    {
        try lock(newestKey, .exclusive)
        defer { unlock(newestKey) }
        try lock(ordering, kind)
    }

    /// Runs `body` holding `ordering.lock` (`.shared` or `.exclusive`), with lock files opened for this call.
    func withOrderingLock<Result>(
        _ kind: Syscalls.FileLock,
        _ body: () throws(SpoolError) -> Result
    ) throws(SpoolError) -> Result {
        let newestKey = try openLockFile(Self.newestKeyFile)
        let ordering = try openLockFile(Self.orderingLockFile)
        try enterOrderingLock(kind, newestKey: newestKey, ordering: ordering)
        defer { unlock(ordering) }
        return try body()
    }

    /// Takes the key of a new object: later than the newest key any writer recorded in `newest-key`, which it
    /// then records.
    ///
    /// - Parameter ordering: When given, `ordering.lock` is taken shared before `newest-key` is let go (the
    ///   object has ordering keys to mark); the caller unlocks it once the object is in place.
    func takeKey(
        from keys: SpoolKeySource,
        newestKey: SpoolLockFile,
        thenSharing ordering: SpoolLockFile?
    ) throws(SpoolError) -> SpoolKey {
        try lock(newestKey, .exclusive)
        defer { unlock(newestKey) }
        let key = keys.next(after: try recordedNewestKey(newestKey))
        if newestKey.isWritable {
            try recordNewestKey(key, in: newestKey)
        }
        if let ordering {
            try lock(ordering, .shared)
        }
        return key
    }

    /// The key recorded in `newest-key`; `nil` when it is empty or holds something else.
    private func recordedNewestKey(_ file: SpoolLockFile) throws(SpoolError) -> SpoolKey? {
        var buffer = [UInt8](repeating: 0, count: SpoolKey.length)
        let count: Int
        do throws(Errno) {
            count = try buffer.withUnsafeMutableBytes { buffer in
                Result { () throws(Errno) in try syscalls.read(file.descriptor, buffer, 0) }
            }.get()
        } catch {
            throw SpoolError.syscall("read", path: displayPath(file.name), error, "could not read the newest key")
        }
        guard count == SpoolKey.length else { return nil }
        return SpoolKey(String(decoding: buffer, as: UTF8.self))
    }

    /// Overwrites `newest-key` with `key` and a newline. Not flushed: after a crash the spool's first put finds
    /// the newest key in `pending/` (``newestKey(in:)``), which is durable.
    private func recordNewestKey(_ key: SpoolKey, in file: SpoolLockFile) throws(SpoolError) {
        let bytes = Array((key.rawValue + "\n").utf8)
        do throws(Errno) {
            let written = try bytes.withUnsafeBytes { bytes in
                Result { () throws(Errno) in try syscalls.writeAt(file.descriptor, bytes, 0) }
            }.get()
            // 51 bytes at offset 0 of a small file: a short write does not happen on a local file system.
            guard written == bytes.count else { throw Errno.ioError }
        } catch {
            throw SpoolError.syscall("write", path: displayPath(file.name), error, "could not record the newest key")
        }
    }
}

/// A spool lock file held open; closing it (when it is released) drops any lock taken through it.
final class SpoolLockFile: Sendable {
    /// The file's name in the spool directory.
    let name: String
    let descriptor: FileDescriptor
    /// Whether it was opened for writing (not where the spool cannot be written).
    let isWritable: Bool
    private let directory: SpoolFolders

    init(name: String, descriptor: FileDescriptor, isWritable: Bool, directory: SpoolFolders) {
        self.name = name
        self.descriptor = descriptor
        self.isWritable = isWritable
        self.directory = directory
    }

    deinit {
        directory.closeQuietly(descriptor, name)
    }
}
