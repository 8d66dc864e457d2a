import SystemPackage

/// The system calls the spool makes on its files, as a value: the real calls by default, and in tests
/// a thin wrapper that records their order or fails one of them with ENOSPC, EIO or EDQUOT.
///
/// Paths are relative to a directory descriptor (the `*at` calls), so a spool resolves its own
/// directory once and nothing it names can escape it.
package struct Syscalls: Sendable {
    /// `openat(directory, path, mode | options, permissions)`.
    package var open:
        @Sendable (
            _ directory: FileDescriptor,
            _ path: FilePath,
            _ mode: FileDescriptor.AccessMode,
            _ options: FileDescriptor.OpenOptions,
            _ permissions: FilePermissions?
        ) throws(Errno) -> FileDescriptor
    /// `write`: may write only part of the buffer; returns how much it wrote.
    package var write: @Sendable (_ file: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int
    /// `pread`: returns how much it read, 0 at the end of the file.
    package var read:
        @Sendable (_ file: FileDescriptor, _ buffer: UnsafeMutableRawBufferPointer, _ offset: Int64) throws(Errno) ->
            Int
    /// `fsync`: data and metadata of a file or directory.
    package var synchronize: @Sendable (_ file: FileDescriptor) throws(Errno) -> Void
    /// `fdatasync`: a file's data and the metadata needed to read it back.
    package var synchronizeData: @Sendable (_ file: FileDescriptor) throws(Errno) -> Void
    /// `renameat`, or with `noReplace` a rename that fails with EEXIST instead of overwriting.
    package var rename:
        @Sendable (_ directory: FileDescriptor, _ source: FilePath, _ destination: FilePath, _ noReplace: Bool)
            throws(Errno) -> Void
    /// `unlinkat` of a file.
    package var unlink: @Sendable (_ directory: FileDescriptor, _ path: FilePath) throws(Errno) -> Void
    /// `mkdirat`.
    package var makeDirectory:
        @Sendable (_ directory: FileDescriptor, _ path: FilePath, _ permissions: FilePermissions) throws(Errno) -> Void
    /// `unlinkat(AT_REMOVEDIR)`: fails unless the directory is empty.
    package var removeDirectory: @Sendable (_ directory: FileDescriptor, _ path: FilePath) throws(Errno) -> Void
    /// `close`, called once and never retried.
    package var close: @Sendable (_ file: FileDescriptor) throws(Errno) -> Void
    /// `pwrite`: may write only part of the buffer; returns how much it wrote.
    package var writeAt:
        @Sendable (_ file: FileDescriptor, _ bytes: UnsafeRawBufferPointer, _ offset: Int64) throws(Errno) -> Int
    /// `flock`: takes a shared or exclusive lock on the whole file, or drops it. With `waiting` false it returns
    /// `false` at once where it would wait for another open file description's lock.
    package var lock: @Sendable (_ file: FileDescriptor, _ kind: FileLock, _ waiting: Bool) throws(Errno) -> Bool
    /// `fstat`.
    package var status: @Sendable (_ file: FileDescriptor) throws(Errno) -> Stat
    /// `futimens`: sets the access and modification times of an open file to `seconds` since 1970.
    package var setTimes: @Sendable (_ file: FileDescriptor, _ seconds: Double) throws(Errno) -> Void

    /// What ``lock`` does.
    package enum FileLock: Sendable {
        /// Many holders at once (`LOCK_SH`).
        case shared
        /// One holder (`LOCK_EX`).
        case exclusive
        /// Drops the lock this open file description holds (`LOCK_UN`).
        case unlock
    }

    /// The real system calls.
    package static let live = Syscalls(
        open: { directory, path, mode, options, permissions throws(Errno) in
            try FileDescriptor.open(in: directory, path, mode, options: options, permissions: permissions)
        },
        write: { file, bytes throws(Errno) in try file.writeSome(bytes) },
        read: { file, buffer, offset throws(Errno) in try file.readSome(into: buffer, fromAbsoluteOffset: offset) },
        synchronize: { file throws(Errno) in try file.synchronize() },
        synchronizeData: { file throws(Errno) in try file.synchronizeData() },
        rename: { directory, source, destination, noReplace throws(Errno) in
            try FileDescriptor.rename(in: directory, from: source, to: destination, noReplace: noReplace)
        },
        unlink: { directory, path throws(Errno) in try FileDescriptor.unlink(in: directory, path) },
        makeDirectory: { directory, path, permissions throws(Errno) in
            try FileDescriptor.makeDirectory(in: directory, path, permissions: permissions)
        },
        removeDirectory: { directory, path throws(Errno) in try FileDescriptor.removeDirectory(in: directory, path) },
        close: { file throws(Errno) in try file.closeOnce() },
        writeAt: { file, bytes, offset throws(Errno) in try file.writeSome(bytes, atAbsoluteOffset: offset) },
        lock: { file, kind, waiting throws(Errno) in try file.lock(kind, waiting: waiting) },
        status: { file throws(Errno) in try file.status() },
        setTimes: { file, seconds throws(Errno) in try file.setTimes(to: seconds) }
    )
}
