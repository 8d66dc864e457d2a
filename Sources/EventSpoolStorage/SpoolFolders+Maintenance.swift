import EventSpoolModel
import EventSpoolSystem
import Logging
import SystemPackage

import struct Foundation.Date

extension SpoolFolders {
    /// Removes `tmp/` leftovers of writers that are gone: files no writer holds locked (a writer holds its
    /// temporary file's `flock` until the file has left `tmp/`, and the kernel drops it when the writer ends,
    /// however it ends). Each removal is logged; nothing in `tmp/` is ever read.
    ///
    /// A file a writer holds is never removed, however old it looks: its age is only what this process's clock
    /// says against the writer's kernel's, and a clock stepped forward would otherwise fail a live put. One held
    /// for longer than `maximumAge` is reported (its writer may be stuck). What no writer makes — a FIFO, a
    /// symbolic link, a socket — cannot be held; it goes once it is older than `maximumAge`. A folder is reported.
    ///
    /// A lock, unlike a process id, means the same in every process sharing the spool: a writer in another
    /// container (another PID namespace) has a process id that may name no process, or another one, here.
    ///
    /// - Returns: How many files were removed.
    @discardableResult
    func removeStaleTemporaryFiles(now: Date, maximumAge: Duration) -> Int {
        let names: [String]
        do {
            names = try folderNames(Self.temporaryFolder)
        } catch {
            logger.info("could not list the temporary folder", metadata: ["spool.error": "\(error)"])
            return 0
        }
        let maximumSeconds =
            Double(maximumAge.components.seconds) + Double(maximumAge.components.attoseconds) / 1e18
        var removed = 0
        for name in names {
            let path = "\(Self.temporaryFolder)/\(name)"
            guard let status = try? Stat(FilePath(path), relativeTo: root, flags: .symlinkNoFollow) else { continue }
            let isOld = now.timeIntervalSince(Self.modificationTime(status)) > maximumSeconds
            // Held while the decision is made and the file removed, so that no writer can take it meanwhile.
            let unheld = status.type == .regular ? lockIfUnheld(path, status) : nil
            defer { unheld.map { closeQuietly($0, path) } }
            let reason: String
            switch status.type {
            case .regular where unheld != nil:
                reason = "no writer holds it"
            case .regular:
                if isOld {
                    logger.warning(
                        "a writer has held a temporary file for longer than staleTemporaryFileAge",
                        metadata: ["spool.path": loggedPath(path), "spool.maximumAge": "\(maximumAge)"]
                    )
                }
                continue
            case .directory:
                if isOld {
                    logger.warning(
                        "a folder in the spool's temporary folder; remove it by hand",
                        metadata: ["spool.path": loggedPath(path)]
                    )
                }
                continue
            default:
                guard isOld else { continue }
                reason = "no writer makes such a file, and it is older than \(maximumAge)"
            }
            do {
                try syscalls.unlink(root, FilePath(path))
                removed += 1
                logger.info(
                    "removed a stale temporary file",
                    metadata: ["spool.path": loggedPath(path), "spool.reason": "\(reason)"]
                )
            } catch {
                logger.info(
                    "could not remove a stale temporary file",
                    metadata: ["spool.path": loggedPath(path), "spool.errno": "\(error)"]
                )
            }
        }
        return removed
    }

    /// Opens the regular file at `path` and locks it without waiting; `nil` when a writer holds it (or it
    /// changed since `status` was taken). The caller closes the descriptor, which drops the lock.
    private func lockIfUnheld(_ path: String, _ status: Stat) -> FileDescriptor? {
        // O_NONBLOCK: should a FIFO have taken the file's place meanwhile, the open does not wait for a writer.
        guard
            let file = try? syscalls.open(
                root,
                FilePath(path),
                .readOnly,
                [.nonBlocking, .noFollow, .closeOnExec],
                nil
            )
        else { return nil }
        guard (try? syscalls.lock(file, .exclusive, false)) == true,
            let opened = try? syscalls.status(file),
            opened.inode == status.inode, opened.deviceID == status.deviceID
        else {
            closeQuietly(file, path)
            return nil
        }
        return file
    }

    /// The suffix of files in `tmp/`: `<key>.tmp`.
    static let temporarySuffix = ".tmp"

    /// Removes the empty dated folders of `state` that lie wholly before `cutoff`: minute folders first,
    /// then hour, day, month and year folders left empty.
    ///
    /// This cannot make a writer lose an object: `rmdir` removes only an empty folder, and a writer whose
    /// rename finds its destination folder gone creates it again and retries (see `writeObject`).
    ///
    /// - Returns: How many folders were removed.
    @discardableResult
    func removeEmptyFolders(in state: SpoolState, before cutoff: Date) throws(SpoolError) -> Int {
        guard state != .quarantine else { return 0 }
        // A folder lies wholly before the cutoff when its key prefix sorts before the cutoff's prefix of the
        // same length: "20261127T2349" < "20261127T2350", while the hour "20261127T23" is not yet done.
        let cutoffKey = SpoolKey.make(time: cutoff, processID: 0, nonce: 0, sequence: 0).rawValue
        var removed = 0
        func visit(_ path: String, folder: String, depth: Int) throws(SpoolError) {
            if depth < 5 {
                let names: [String]
                do {
                    names = try folderNames(path)
                } catch let error
                    where [.noSuchFileOrDirectory, .notDirectory, .tooManySymbolicLinkLevels].contains(error.errno)
                {
                    return  // gone, or not a folder of ours (a file or a link named like one): left alone
                }
                for name in SpoolFolderWalk.sortedDescending(names).reversed() {
                    guard SpoolFolderWalk.isFolderName(name, depth: depth + 1) else { continue }
                    let child = folder.isEmpty ? name : folder + "/" + name
                    try visit(path + "/" + name, folder: child, depth: depth + 1)
                }
            }
            guard depth > 0 else { return }
            let prefix = SpoolKey.folderPrefix(ofFolder: folder)
            guard prefix.utf8.lexicographicallyPrecedes(cutoffKey.utf8.prefix(prefix.utf8.count)) else { return }
            do {
                try syscalls.removeDirectory(root, FilePath(path))
                removed += 1
                forgetFolder(path)
            } catch .directoryNotEmpty, .fileExists, .noSuchFileOrDirectory, .notDirectory {
                // Still holds objects, or another sweeper removed it first, or a file named like a folder.
            } catch {
                throw SpoolError.syscall("rmdir", path: displayPath(path), error, "could not remove the empty folder")
            }
        }
        try visit(state.rawValue, folder: "", depth: 0)
        return removed
    }
}
