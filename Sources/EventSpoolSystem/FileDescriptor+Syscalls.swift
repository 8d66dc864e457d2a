import SystemPackage

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

#if canImport(SwiftOverlayShims)
// In release builds `struct timespec` may be imported through this module (which the Glibc overlay loads),
// and MemberImportVisibility then wants it imported to use the struct's fields.
import SwiftOverlayShims
#endif

// The few calls swift-system lacks, in its style: typed `Errno` errors, EINTR retried.
// `close` is the exception: it is never retried, because the descriptor is gone after the first
// call even when it reports EINTR, and a retry could close a descriptor another thread just opened.

extension FileDescriptor {
    /// Opens `path` relative to the directory `directory` (`openat`).
    package static func open(
        in directory: FileDescriptor,
        _ path: FilePath,
        _ mode: AccessMode,
        options: OpenOptions,
        permissions: FilePermissions?
    ) throws(Errno) -> FileDescriptor {
        let flags = mode.rawValue | options.rawValue
        let descriptor = try retryingInterrupts {
            path.withPlatformString { path in
                openat(directory.rawValue, path, flags, permissions?.rawValue ?? 0)
            }
        }
        return FileDescriptor(rawValue: descriptor)
    }

    /// Flushes the file's data and metadata to stable storage (`fsync`; `F_FULLFSYNC` on Darwin,
    /// where a plain `fsync` leaves the data in the drive's cache).
    package func synchronize() throws(Errno) {
        #if canImport(Darwin)
        if (try? retryingInterrupts({ fcntl(rawValue, F_FULLFSYNC) })) != nil { return }
        #endif
        _ = try retryingInterrupts { fsync(rawValue) }
    }

    /// Flushes the file's data and the metadata needed to read it back, such as its size (`fdatasync`).
    package func synchronizeData() throws(Errno) {
        #if canImport(Darwin)
        try synchronize()
        #else
        _ = try retryingInterrupts { fdatasync(rawValue) }
        #endif
    }

    /// Takes (`.shared`, `.exclusive`) or drops (`.unlock`) a `flock` on the whole file.
    ///
    /// - Returns: `false` when `waiting` is off and another open file description holds a conflicting lock.
    package func lock(_ kind: Syscalls.FileLock, waiting: Bool) throws(Errno) -> Bool {
        let operation: CInt
        switch kind {
        case .shared: operation = LOCK_SH
        case .exclusive: operation = LOCK_EX
        case .unlock: operation = LOCK_UN
        }
        do {
            _ = try retryingInterrupts { flock(rawValue, operation | (waiting ? 0 : LOCK_NB)) }
            return true
        } catch let error where error == .wouldBlock && !waiting {
            return false
        }
    }

    /// The status of the open file (`fstat`).
    package func status() throws(Errno) -> Stat {
        try stat()
    }

    /// Closes the descriptor once; never retried (see the note at the top of this file).
    package func closeOnce() throws(Errno) {
        do {
            try close()
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Writes some of `buffer`, returning how many bytes were written (EINTR retried).
    package func writeSome(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        do {
            return try write(buffer)
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Writes some of `buffer` at `offset`, returning how many bytes were written (`pwrite`; EINTR retried).
    package func writeSome(_ buffer: UnsafeRawBufferPointer, atAbsoluteOffset offset: Int64) throws(Errno) -> Int {
        do {
            return try write(toAbsoluteOffset: offset, buffer)
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Reads into `buffer` from `offset`, returning how many bytes were read; 0 at the end (EINTR retried).
    package func readSome(
        into buffer: UnsafeMutableRawBufferPointer,
        fromAbsoluteOffset offset: Int64
    ) throws(Errno) -> Int {
        do {
            return try read(fromAbsoluteOffset: offset, into: buffer)
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Renames `source` to `destination`, both relative to `directory`.
    ///
    /// With `noReplace`, an existing `destination` is never overwritten: the call fails with
    /// `EEXIST`. That uses `renameat2(RENAME_NOREPLACE)` (`renameatx_np(RENAME_EXCL)` on Darwin) and,
    /// where the kernel or file system lacks it, `linkat` then `unlinkat`, which is equally
    /// exclusive; a crash between the two leaves both names, which the caller treats as a duplicate.
    package static func rename(
        in directory: FileDescriptor,
        from source: FilePath,
        to destination: FilePath,
        noReplace: Bool
    ) throws(Errno) {
        let directory = directory.rawValue
        func call(_ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> CInt) throws(Errno) {
            _ = try retryingInterrupts {
                source.withPlatformString { source in
                    destination.withPlatformString { destination in body(source, destination) }
                }
            }
        }
        guard noReplace else {
            try call { renameat(directory, $0, directory, $1) }
            return
        }
        do throws(Errno) {
            try call { renameNoReplace(directory, $0, $1) }
        } catch let error where error == .noFunction || error == .invalidArgument || error == .notSupported {
            try call { linkat(directory, $0, directory, $1, 0) }
            try call { source, _ in unlinkat(directory, source, 0) }
        }
    }

    /// Removes the file (not a directory) at `path` relative to `directory` (`unlinkat`).
    package static func unlink(in directory: FileDescriptor, _ path: FilePath) throws(Errno) {
        _ = try retryingInterrupts {
            path.withPlatformString { unlinkat(directory.rawValue, $0, 0) }
        }
    }

    /// Removes the empty directory at `path` relative to `directory` (`unlinkat(AT_REMOVEDIR)`).
    package static func removeDirectory(in directory: FileDescriptor, _ path: FilePath) throws(Errno) {
        _ = try retryingInterrupts {
            path.withPlatformString { unlinkat(directory.rawValue, $0, AT_REMOVEDIR) }
        }
    }

    /// Creates the directory `path` relative to `directory` (`mkdirat`).
    package static func makeDirectory(
        in directory: FileDescriptor,
        _ path: FilePath,
        permissions: FilePermissions
    ) throws(Errno) {
        _ = try retryingInterrupts {
            path.withPlatformString { mkdirat(directory.rawValue, $0, permissions.rawValue) }
        }
    }

    /// Sets the access and modification times of this open file to `seconds` since 1970 (`futimens`): the
    /// file the caller opened and checked, not whatever a path names by the time of the call.
    package func setTimes(to seconds: Double) throws(Errno) {
        let whole = seconds.rounded(.down)
        let time = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
        _ = try retryingInterrupts {
            withUnsafePointer(to: (time, time)) { times in
                times.withMemoryRebound(to: timespec.self, capacity: 2) { times in futimens(rawValue, times) }
            }
        }
    }

    /// The names in the directory `path` relative to `directory`, without `.` and `..`, unsorted.
    ///
    /// The directory is opened with `O_NOFOLLOW`: a symbolic link where a folder should be fails
    /// with `ELOOP` instead of being followed.
    package static func directoryNames(in directory: FileDescriptor, _ path: FilePath) throws(Errno) -> [String] {
        let folder = try open(
            in: directory,
            path,
            .readOnly,
            options: [.directory, .noFollow, .closeOnExec],
            permissions: nil
        )
        // fdopendir takes the descriptor over; closedir closes it.
        guard let stream = fdopendir(folder.rawValue) else {
            let error = Errno(rawValue: errno)
            try? folder.closeOnce()
            throw error
        }
        defer { closedir(stream) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                return names
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." {
                names.append(name)
            }
        }
    }

    /// The `AT_FDCWD` pseudo-descriptor: `*at` calls resolve relative paths against the working directory.
    package static var currentWorkingDirectory: FileDescriptor { FileDescriptor(rawValue: AT_FDCWD) }

    /// This process's id.
    package static var currentProcessID: Int32 { getpid() }

    /// The effective user id of this process.
    package static var effectiveUserID: UInt32 { UInt32(geteuid()) }
}

/// `CLOCK_MONOTONIC` in nanoseconds: it never steps, and every process of the host reads the same clock,
/// so log lines of several processes can be put in order.
package func monotonicNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// Calls `body` again while it fails with EINTR; `-1` means failure with the reason in `errno`.
private func retryingInterrupts<Result: FixedWidthInteger>(_ body: () -> Result) throws(Errno) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno(rawValue: errno)
        if error != .interrupted { throw error }
    }
}

#if canImport(Darwin)
private func renameNoReplace(
    _ directory: CInt,
    _ source: UnsafePointer<CChar>,
    _ destination: UnsafePointer<CChar>
) -> CInt {
    renameatx_np(directory, source, directory, destination, UInt32(RENAME_EXCL))
}
#else
/// `renameat2` is in glibc since 2.28 but not in Swift's Glibc module (it needs `_GNU_SOURCE`), so it is
/// looked up once at run time; a C library without it takes the `linkat` fallback via `ENOSYS`.
private typealias Renameat2 =
    @convention(c) (
        CInt, UnsafePointer<CChar>, CInt, UnsafePointer<CChar>, CUnsignedInt
    ) -> CInt

private let renameat2Function: Renameat2? = {
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
    return unsafeBitCast(symbol, to: Renameat2.self)
}()

/// `RENAME_NOREPLACE` from `<linux/fs.h>`.
private let renameNoReplaceFlag: CUnsignedInt = 1

/// `renameat2(RENAME_NOREPLACE)`, or -1 with `errno` ENOSYS when the C library lacks it.
private func renameNoReplace(
    _ directory: CInt,
    _ source: UnsafePointer<CChar>,
    _ destination: UnsafePointer<CChar>
) -> CInt {
    guard let renameat2Function else {
        errno = ENOSYS
        return -1
    }
    return renameat2Function(directory, source, directory, destination, renameNoReplaceFlag)
}
#endif
