import EventSpoolModel
import EventSpoolSystem
import Logging
import SystemPackage

extension SpoolFolders {
    /// Whether a write makes a new object or replaces an existing one.
    enum WriteMode {
        /// A new key: never overwrites an existing object (`RENAME_NOREPLACE`).
        case create
        /// The same key again: atomically swaps the new bytes in for the old (a plain rename).
        case replace
    }

    /// Writes `bytes` as the object `key` in `state`: the one place where events reach the disk.
    ///
    /// tmp file (`O_CREAT|O_EXCL|O_NOFOLLOW`, 0600, `flock`ed) → write all → `fdatasync` → destination folders
    /// (created and fsynced when new) → rename into place → `fsync` of the destination folder.
    ///
    /// - Important: Returns only once the object is on stable storage under its final name. When it
    ///   throws, nothing is left under the final name by a `.create` and the temporary file is removed;
    ///   a failed flush is never retried as if it had succeeded.
    /// - Parameter temporaryName: A file name unique to this write.
    func writeObject(
        _ bytes: [UInt8],
        key: SpoolKey,
        in state: SpoolState,
        temporaryName: String,
        mode: WriteMode
    ) throws(SpoolError) {
        let folder = Self.folder(of: key, in: state)
        let destination = "\(folder)/\(key.fileName)"

        // 1. A new file in tmp/, locked until it has left tmp/ (see createTemporaryFile).
        let (file, temporary) = try createTemporaryFile(temporaryName)
        // Closed only once the file has left tmp/: its lock tells clean-up that a writer still holds it.
        defer { closeQuietly(file, temporary) }
        do throws(SpoolError) {
            // 2. All of it: a write may take fewer bytes than asked.
            try writeAll(bytes, to: file, temporary)
            // 3. The data must be on disk before a name points at it: without this a crash after the rename
            //    can leave an empty or torn file under a final key. An error here is final: the kernel may
            //    have dropped the dirty pages, so a second fsync could report success without the data.
            do {
                try syscalls.synchronizeData(file)
            } catch {
                throw SpoolError.syscall(
                    "fdatasync",
                    path: displayPath(temporary),
                    error,
                    "could not flush the object to stable storage; it is not durable"
                )
            }
            // 4 and 5. Destination folders, then the rename: atomic, so readers see the whole object or none.
            try rename(temporary, to: destination, in: folder, noReplace: mode == .create)
        } catch {
            removeQuietly(temporary, reason: "the write failed")
            throw error
        }

        // 6. The rename itself is durable only once the folder's entries are: without this fsync a crash can
        //    lose the new name (and with `.replace`, bring back the old object).
        do {
            try synchronizeFolder(folder)
        } catch {
            if mode == .create {
                // The caller is told the events are not stored, so do not leave them visible. Should this
                // unlink not reach the disk either, a crash may bring the object back: a duplicate with the
                // same event ids, which at-least-once delivery allows.
                removeQuietly(destination, reason: "its folder could not be flushed")
            }
            throw error
        }
    }

    /// Creates `tmp/<temporaryName>` (`O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC`, 0600) and locks it (`flock`).
    ///
    /// Never under the final name, so no reader sees a half-written object; `O_EXCL` never reuses a leftover;
    /// `O_NOFOLLOW` never writes through a planted link; 0600 keeps events private. The lock tells the
    /// clean-up of `tmp/` (in this or any process, in any PID namespace) that a writer holds the file: it
    /// removes only files it can lock. Between the create and the lock, a clean-up may have locked and removed
    /// the file: then it has no name any more (link count 0), and a new one is made.
    ///
    /// - Returns: The open, locked file and its path relative to the spool directory.
    private func createTemporaryFile(_ temporaryName: String) throws(SpoolError) -> (FileDescriptor, String) {
        var name = temporaryName
        for attempt in 1...3 {
            let temporary = "\(Self.temporaryFolder)/\(name)"
            let file: FileDescriptor
            do {
                file = try syscalls.open(
                    root,
                    FilePath(temporary),
                    .writeOnly,
                    [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                    Self.filePermissions
                )
            } catch {
                throw SpoolError.syscall(
                    "open",
                    path: displayPath(temporary),
                    error,
                    "could not create the temporary file"
                )
            }
            let linked: Bool
            do {
                _ = try syscalls.lock(file, .exclusive, true)
                linked = try syscalls.status(file).linkCount > 0
            } catch {
                closeQuietly(file, temporary)
                removeQuietly(temporary, reason: "it could not be locked")
                throw SpoolError.syscall(
                    "flock",
                    path: displayPath(temporary),
                    error,
                    "could not lock the temporary file"
                )
            }
            if linked { return (file, temporary) }
            closeQuietly(file, temporary)
            let base =
                temporaryName.hasSuffix(Self.temporarySuffix)
                ? String(temporaryName.dropLast(Self.temporarySuffix.count)) : temporaryName
            name = base + "-\(attempt)" + Self.temporarySuffix
        }
        throw SpoolError(
            code: .io,
            operation: "open",
            path: displayPath("\(Self.temporaryFolder)/\(temporaryName)"),
            message: "the temporary file was removed as soon as it was made, three times in a row"
        )
    }

    /// Renames the object `key` from one state's folder into another's; a symbolic link is moved itself,
    /// never its target. Into `quarantine/` it goes under its key or, when an object of that key is already
    /// there, under the first free name of `<key>~2`, `<key>~3`, …; out of it, under the key without its number.
    ///
    /// - Returns: The object's size in bytes, and the key it has now.
    @discardableResult
    func move(
        _ key: SpoolKey,
        from source: SpoolState,
        to destination: SpoolState
    ) throws(SpoolError) -> (size: Int64, key: SpoolKey) {
        let sourcePath = Self.objectPath(key, in: source)
        let size = try objectSize(sourcePath)
        let folder = Self.folder(of: key, in: destination)
        var number = 1
        var moved = destination == .quarantine ? key.quarantineName(number) : key.objectKey
        while true {
            do {
                try rename(sourcePath, to: Self.objectPath(moved, in: destination), in: folder, noReplace: true)
                break
            } catch let error
                where error.errno == .fileExists && destination == .quarantine && number < SpoolKey.maxQuarantineNumber
            {
                // Never over a quarantined object: a person has yet to look at it. Taken names are tried in
                // turn; two movers racing for one name are kept apart by the rename's no-replace.
                number += 1
                moved = key.quarantineName(number)
            }
        }
        // The new entry first: should a crash lose the removal from the source folder, the object is in
        // both, never in neither.
        try synchronizeFolder(folder)
        try synchronizeFolder(Self.folder(of: key, in: source))
        return (size, moved)
    }

    /// Removes the object `key` from `state`.
    ///
    /// The folder is not fsynced: should a crash undo the unlink, the object comes back and its events are
    /// delivered once more with the same ids — a duplicate that at-least-once delivery allows, at the price
    /// of nothing on the sweeper's path.
    ///
    /// - Returns: The object's size in bytes.
    @discardableResult
    func delete(_ key: SpoolKey, in state: SpoolState) throws(SpoolError) -> Int64 {
        let path = Self.objectPath(key, in: state)
        let size = try objectSize(path)
        do {
            try syscalls.unlink(root, FilePath(path))
        } catch .isDirectory where state == .quarantine {
            // Quarantined whole (a folder named like an object): empty, it can go as an object would.
            try removeQuarantinedFolder(path)
        } catch .isDirectory {
            throw SpoolError(
                code: .unsafe,
                operation: "unlink",
                path: displayPath(path),
                message: "is a directory, not an object; move it to quarantine instead",
                errno: .isDirectory
            )
        } catch {
            throw SpoolError.syscall("unlink", path: displayPath(path), error, "could not remove the object")
        }
        return size
    }

    /// Removes the quarantined folder at `path` when it is empty; one with files in it is for a person to look
    /// at, and is never removed with what it holds.
    private func removeQuarantinedFolder(_ path: String) throws(SpoolError) {
        do {
            try syscalls.removeDirectory(root, FilePath(path))
        } catch .directoryNotEmpty, .fileExists {
            throw SpoolError(
                code: .unsafe,
                operation: "rmdir",
                path: displayPath(path),
                message: "is a folder with files in it, not an object; look at them, then remove it by hand (rm -r)",
                errno: .directoryNotEmpty
            )
        } catch {
            throw SpoolError.syscall("rmdir", path: displayPath(path), error, "could not remove the folder")
        }
    }

    /// The size of the file at `path` (a symbolic link's own size).
    func objectSize(_ path: String) throws(SpoolError) -> Int64 {
        do {
            return try Stat(FilePath(path), relativeTo: root, flags: .symlinkNoFollow).size
        } catch {
            throw SpoolError.syscall("stat", path: displayPath(path), error, "no such object")
        }
    }

    /// Renames `source` to `destination` (both relative to the spool directory), first making sure the
    /// destination's folders exist durably.
    private func rename(
        _ source: String,
        to destination: String,
        in folder: String,
        noReplace: Bool
    ) throws(SpoolError) {
        try ensureDurableFolder(folder)
        var retried = false
        while true {
            do {
                try syscalls.rename(root, FilePath(source), FilePath(destination), noReplace)
                return
            } catch .noSuchFileOrDirectory where !retried {
                // A sweeper removed the empty destination folder after we made sure of it: make it again.
                // (Should the source be the missing one, the second rename fails the same way.)
                retried = true
                forgetFolder(folder)
                try ensureDurableFolder(folder)
            } catch .fileExists {
                throw SpoolError.syscall(
                    "rename",
                    path: displayPath(destination),
                    .fileExists,
                    "an object with this key already exists; it is never overwritten"
                )
            } catch {
                throw SpoolError.syscall(
                    "rename",
                    path: displayPath(source),
                    error,
                    "could not rename it to \(displayPath(destination))"
                )
            }
        }
    }

    private func writeAll(_ bytes: [UInt8], to file: FileDescriptor, _ relative: String) throws(SpoolError) {
        let failure: SpoolError? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                do throws(Errno) {
                    let written = try syscalls.write(file, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                    guard written > 0 else {
                        return SpoolError(
                            code: .io,
                            operation: "write",
                            path: displayPath(relative),
                            message: "the file system took no bytes"
                        )
                    }
                    offset += written
                } catch {
                    return SpoolError.syscall("write", path: displayPath(relative), error, "could not write the object")
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Removes a file that must not stay, logging (not throwing) when that fails too.
    func removeQuietly(_ relative: String, reason: String) {
        do {
            try syscalls.unlink(root, FilePath(relative))
        } catch {
            logger.info(
                "could not remove a spool file after a failed write",
                metadata: [
                    "spool.path": loggedPath(relative),
                    "spool.reason": "\(reason)",
                    "spool.errno": "\(error)",
                ]
            )
        }
    }
}
