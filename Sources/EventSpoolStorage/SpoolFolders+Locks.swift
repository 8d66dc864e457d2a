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
///   takes a key (``takeKey(from:newestKey:)``), and waits for nothing else meanwhile, so keys sort in the
///   order they were taken, by every process sharing the spool, whatever their clocks say.
/// - `ordering.lock`: shared by a put from the moment it marks its ordering keys until its object is in
///   place; exclusive for a sweeper that clears or removes marks (`SpoolFolders+OrderingKeys`).
/// - `ordering/` itself (a `flock` on the folder): the turnstile in front of `ordering.lock`. Whoever takes
///   `ordering.lock` holds the turnstile exclusively until it has it: a sweeper waiting for the puts in
///   progress holds back new puts of ordering keys, so a steady stream of them cannot starve it — and holds
///   back nothing else: a put without ordering keys takes neither.
///
/// No one waits for one of these locks while holding another, except for `ordering.lock` behind the
/// turnstile, and no holder of `ordering.lock` waits for the turnstile: no cycle, so no deadlock — also with
/// processes of the version before, which used `newest-key` as the turnstile (they take `ordering.lock` behind
/// it, and a put of this version takes `newest-key` before `ordering.lock`, never after).
///
/// Each lock file must be the spool's own: a regular file with one name. A hard link would have every put
/// write `newest-key` into the file of its other name, wherever that is; a FIFO would block the open.
extension SpoolFolders {
    static let newestKeyFile = "newest-key"
    static let orderingLockFile = "ordering.lock"

    /// What to do about a lock file that is not the spool's own.
    static let lockFileAdvice = "remove it while no process uses the spool, and the spool makes a new one"

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
        let file = try openOwnFile(name).file
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

    /// Opens the lock file `name` (0600, created when missing, never through a symbolic link, and only when it is
    /// a regular file with one name). Where the spool cannot be written it opens an existing one read-only: a
    /// lock needs no write access, and the write that follows fails with its own, clearer error.
    func openLockFile(_ name: String) throws(SpoolError) -> SpoolLockFile {
        let (file, isWritable) = try openOwnFile(name)
        return SpoolLockFile(name: name, descriptor: file, isWritable: isWritable, directory: self)
    }

    /// Opens (creating when missing) the lock file `name`, read-write or else read-only, and checks that it is a
    /// regular file with one name.
    private func openOwnFile(_ name: String) throws(SpoolError) -> (file: FileDescriptor, isWritable: Bool) {
        // O_NONBLOCK: a FIFO planted there must not block the open (it is refused below); flock ignores it.
        let file: FileDescriptor
        var isWritable = true
        do {
            file = try syscalls.open(
                root,
                FilePath(name),
                .readWrite,
                [.create, .noFollow, .nonBlocking, .closeOnExec],
                Self.filePermissions
            )
        } catch let error where [.readOnlyFileSystem, .permissionDenied, .notPermitted].contains(error) {
            let options: FileDescriptor.OpenOptions = [.noFollow, .nonBlocking, .closeOnExec]
            guard let opened = try? syscalls.open(root, FilePath(name), .readOnly, options, nil) else {
                throw SpoolError.syscall("open", path: displayPath(name), error, "could not open the lock file")
            }
            file = opened
            isWritable = false
        } catch .isDirectory {
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: displayPath(name),
                message: "is a directory, not a regular file; \(Self.lockFileAdvice)",
                errno: .isDirectory
            )
        } catch {
            throw SpoolError.syscall("open", path: displayPath(name), error, "could not open the lock file")
        }
        do throws(SpoolError) {
            try requireOwnFile(file, name, advice: Self.lockFileAdvice)
        } catch {
            closeQuietly(file, name)
            throw error
        }
        return (file, isWritable)
    }

    /// Opens `ordering/` as the turnstile in front of `ordering.lock` (a folder cannot be a hard link).
    func openTurnstile() throws(SpoolError) -> SpoolLockFile {
        SpoolLockFile(
            name: Self.orderingFolder,
            descriptor: try openFolder(Self.orderingFolder),
            isWritable: false,
            directory: self
        )
    }

    /// Throws `.unsafe` unless the open `file` is a regular file with one name: the spool writes it in place or
    /// sets its times, which through a hard link would change the file of its other name, wherever that is.
    func requireOwnFile(_ file: FileDescriptor, _ relative: String, advice: String) throws(SpoolError) {
        let status: Stat
        do {
            status = try syscalls.status(file)
        } catch {
            throw SpoolError.syscall("fstat", path: displayPath(relative), error, "could not inspect the file")
        }
        if let problem = Self.notOwnFile(status) {
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: displayPath(relative),
                message: "\(problem); \(advice)"
            )
        }
    }

    /// Why a file with `status` is not one the spool may write in place: not a regular file, or one with other
    /// names (a hard link); `nil` when it may.
    static func notOwnFile(_ status: Stat) -> String? {
        guard status.type == .regular else { return "is \(describe(status.type)), not a regular file" }
        guard status.linkCount <= 1 else {
            return "has \(status.linkCount) names (a hard link): writing it would change the file of its other names"
        }
        return nil
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
                metadata: ["spool.path": loggedPath(file.name), "spool.errno": "\(error)"]
            )
        }
    }

    /// Takes `ordering.lock` (`.shared` or `.exclusive`), passing through the turnstile on the way.
    func enterOrderingLock(
        _ kind: Syscalls.FileLock,
        turnstile: SpoolLockFile,
        ordering: SpoolLockFile
    )
        throws(SpoolError)
    {
        try lock(turnstile, .exclusive)
        defer { unlock(turnstile) }
        try lock(ordering, kind)
    }

    /// Runs `body` holding `ordering.lock` (`.shared` or `.exclusive`), with lock files opened for this call.
    func withOrderingLock<Result>(
        _ kind: Syscalls.FileLock,
        _ body: () throws(SpoolError) -> Result
    ) throws(SpoolError) -> Result {
        let turnstile = try openTurnstile()
        let ordering = try openLockFile(Self.orderingLockFile)
        try enterOrderingLock(kind, turnstile: turnstile, ordering: ordering)
        defer { unlock(ordering) }
        return try body()
    }

    /// Takes the key of a new object: later than the newest key any writer recorded in `newest-key`, which it
    /// then records. Holds `newest-key` locked for those few calls only, waiting for nothing else meanwhile.
    func takeKey(from keys: SpoolKeySource, newestKey: SpoolLockFile) throws(SpoolError) -> SpoolKey {
        try lock(newestKey, .exclusive)
        defer { unlock(newestKey) }
        let key = keys.next(after: try recordedNewestKey(newestKey))
        if newestKey.isWritable {
            try recordNewestKey(key, in: newestKey)
        }
        return key
    }

    /// The key recorded in `newest-key`; `nil` when it is empty, holds something else, or a key in the year 9999
    /// or later (no floor: see `SpoolKeySource`), which is reported, and replaced by the next key recorded.
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
        guard count == SpoolKey.length, let key = SpoolKey(String(decoding: buffer, as: UTF8.self)) else { return nil }
        guard SpoolKeySource.isCredible(key) else {
            logger.warning(
                "ignoring a newest key in the year 9999 or later: keys there could not stay in publish order",
                metadata: ["spool.path": loggedPath(file.name), "spool.key": "\(key)"]
            )
            return nil
        }
        return key
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
