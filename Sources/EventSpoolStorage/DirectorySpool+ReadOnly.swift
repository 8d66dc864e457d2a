import EventSpoolModel
import EventSpoolSystem
import Logging

extension DirectorySpool {
    /// Opens an existing spool to read it only — `list`, `get`, `header` and ``inspect(_:in:)`` — creating and
    /// changing nothing: no folder, no `tmp/` clean-up, no lock file. Every call that would write (`put`,
    /// `replace`, `delete`, `move`, `tryLock`, …) throws ``SpoolError/Code/readOnly``.
    ///
    /// The directory's owner is not checked, so root can inspect a spool the service's user owns.
    ///
    /// - Throws: ``SpoolError`` with code `.notFound` ("no spool at …") when the directory does not exist or is
    ///   not a spool (it has no `pending/` folder); `.io` when it cannot be opened (the errno says why).
    package static func openForReading(
        configuration: SpoolConfiguration,
        logger: Logger
    ) throws(SpoolError)
        -> DirectorySpool
    {
        let directory = try SpoolFolders.openForReading(
            path: configuration.directory,
            syscalls: .live,
            logger: logger
        )
        return DirectorySpool(
            configuration: configuration,
            directory: directory,
            clock: SystemWallClock(),
            isReadOnly: true
        )
    }

    /// Throws when the spool was opened for reading only.
    func requireWritable(_ operation: String) throws(SpoolError) {
        guard isReadOnly else { return }
        throw SpoolError(
            code: .readOnly,
            operation: operation,
            path: directory.path,
            message: "the spool was opened for reading only"
        )
    }
}
