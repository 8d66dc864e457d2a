import EventSpoolSystem
import Logging
import SystemPackage

extension SpoolFolders {
    /// Opens an existing spool directory to read it, and only that: no folder is created, no `tmp/`
    /// leftover removed, no lock file made. Its owner is not checked — reading changes nothing, and root
    /// may inspect a spool that the service's user owns, as `mailq` reads postfix's queue.
    ///
    /// - Throws: ``SpoolError`` with code `.notFound` ("no spool at …") when the directory does not exist
    ///   or has no `pending/` folder — a mistyped path is an error, never an empty spool made on the spot;
    ///   `.io` (with the errno, for example `EACCES`) when it cannot be opened.
    static func openForReading(path: String, syscalls: Syscalls, logger: Logger) throws(SpoolError) -> SpoolFolders {
        func noSpool(_ detail: String, _ errno: Errno?) -> SpoolError {
            SpoolError(
                code: .notFound,
                operation: "open",
                path: path,
                message: "no spool at \(path)\(detail)",
                errno: errno
            )
        }
        guard !path.isEmpty else { throw noSpool(": no spool directory is configured", nil) }
        let root: FileDescriptor
        do {
            // The spool directory itself may be reached through a symbolic link: the operator configured it.
            root = try syscalls.open(
                FileDescriptor.currentWorkingDirectory,
                FilePath(path),
                .readOnly,
                [.directory, .closeOnExec],
                nil
            )
        } catch .noSuchFileOrDirectory {
            throw noSpool("", .noSuchFileOrDirectory)
        } catch .notDirectory {
            throw noSpool(": not a directory", .notDirectory)
        } catch {
            throw SpoolError.syscall("open", path: path, error, "could not open the spool directory")
        }
        let directory = SpoolFolders(path: path, root: root, syscalls: syscalls, logger: logger)
        // Every spool has pending/ from its first open on; a directory without it is not a spool.
        let pending = SpoolState.pending.rawValue
        let status: Stat
        do {
            status = try Stat(FilePath(pending), relativeTo: root, flags: .symlinkNoFollow)
        } catch .noSuchFileOrDirectory {
            throw noSpool(": it has no \(pending)/ folder", .noSuchFileOrDirectory)
        } catch {
            throw SpoolError.syscall(
                "stat",
                path: directory.displayPath(pending),
                error,
                "could not inspect the folder"
            )
        }
        guard status.type == .directory else {
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: directory.displayPath(pending),
                message: "is not a folder (a symbolic link is never followed)"
            )
        }
        return directory
    }
}
