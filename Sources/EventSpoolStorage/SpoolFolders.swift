import EventSpoolModel
import EventSpoolSystem
import Logging
import Synchronization
import SystemPackage

/// The folders of a spool directory on disk (its layout) and the blocking operations on them: what
/// ``DirectorySpool`` — the `Spool` — runs on its threads. Every method makes system calls and must run on one
/// of the spool's own threads, never on Swift's cooperative pool.
///
/// ```
/// <spool>/
///   pending/YYYY/MM/DD/HH/MM/<key>.evs    waiting for delivery
///   dead/YYYY/MM/DD/HH/MM/<key>.evs       given up
///   held/YYYY/MM/DD/HH/MM/<key>.evs       kept out of sweeps by an operator
///   quarantine/<key>.evs                  unreadable, kept for a person
///   tmp/<key>.tmp                         being written; never read
///   ordering/<SHA-256 of an ordering key> marks: events of that key may be waiting
///   sweeper.lock                          flock of the running sweeper
/// ```
/// The directory is opened once; every path below is relative to that descriptor (the `*at` calls).
final class SpoolFolders: Sendable {
    /// The spool directory as configured, for messages.
    let path: String
    /// The open spool directory.
    let root: FileDescriptor
    let syscalls: Syscalls
    let logger: Logger
    /// Destination folders known to exist durably, so a put does not create and fsync them again.
    let durableFolders = Mutex<Set<String>>([])

    static let folderPermissions: FilePermissions = .ownerReadWriteExecute
    static let filePermissions: FilePermissions = .ownerReadWrite
    static let temporaryFolder = "tmp"

    /// Opens the spool directory, creating it and its folders (mode 0700) when missing.
    ///
    /// - Throws: ``SpoolError`` with code `.unsafe` when the directory or one of its folders is owned by
    ///   another user, writable by group or others (unless `allowUnsafePermissions`), or a symbolic link.
    init(
        path: String,
        allowUnsafePermissions: Bool,
        syscalls: Syscalls,
        logger: Logger
    ) throws(SpoolError) {
        self.path = path
        self.syscalls = syscalls
        self.logger = logger
        guard !path.isEmpty else {
            throw SpoolError(
                code: .notFound,
                operation: "open",
                path: path,
                message: "no spool directory is configured"
            )
        }
        let workingDirectory = FileDescriptor.currentWorkingDirectory
        // The spool directory itself may be reached through a symbolic link: the operator configured it.
        func openRoot() throws(SpoolError) -> FileDescriptor? {
            do {
                return try syscalls.open(workingDirectory, FilePath(path), .readOnly, [.directory, .closeOnExec], nil)
            } catch .noSuchFileOrDirectory {
                return nil
            } catch {
                throw SpoolError.syscall("open", path: path, error, "could not open the spool directory")
            }
        }
        if let opened = try openRoot() {
            root = opened
        } else {
            try Self.makeFolders(
                Self.components(of: path),
                in: workingDirectory,
                display: { $0.isEmpty ? "." : $0 },
                syscalls: syscalls,
                syncExisting: false,
                followingLinks: true
            )
            guard let opened = try openRoot() else {
                throw SpoolError(code: .notFound, operation: "open", path: path, message: "vanished as it was created")
            }
            root = opened
        }
        // Should a check fail, `deinit` closes `root`: a class whose initializer throws once every property
        // is set is deinitialized (closing it here too closed whatever descriptor had that number by then).
        try Self.checkOwnership(of: root, path: path, allowUnsafePermissions: allowUnsafePermissions)
        for folder in SpoolState.allCases.map(\.rawValue) + [Self.temporaryFolder, Self.orderingFolder] {
            try Self.makeFolders(
                [folder],
                in: root,
                display: displayPath,
                syscalls: syscalls,
                syncExisting: false,
                followingLinks: false
            )
            let descriptor = try openFolder(folder)
            defer { closeQuietly(descriptor, folder) }
            try Self.checkOwnership(
                of: descriptor,
                path: displayPath(folder),
                allowUnsafePermissions: allowUnsafePermissions
            )
        }
    }

    /// Wraps a spool directory already open and checked (``openForReading(path:syscalls:logger:)``).
    init(path: String, root: FileDescriptor, syscalls: Syscalls, logger: Logger) {
        self.path = path
        self.root = root
        self.syscalls = syscalls
        self.logger = logger
    }

    deinit {
        try? syscalls.close(root)
    }

    // MARK: Paths

    /// The object's path relative to the spool directory: dated folders, except flat in `quarantine/`.
    static func objectPath(_ key: SpoolKey, in state: SpoolState) -> String {
        "\(folder(of: key, in: state))/\(key.fileName)"
    }

    /// The folder an object lives in, relative to the spool directory.
    static func folder(of key: SpoolKey, in state: SpoolState) -> String {
        state == .quarantine ? state.rawValue : "\(state.rawValue)/\(key.folder)"
    }

    /// A path relative to the spool directory, made absolute (as configured) for messages.
    func displayPath(_ relative: String) -> String {
        if relative.isEmpty { return path }
        return path.hasSuffix("/") ? path + relative : path + "/" + relative
    }

    /// A path relative to the spool directory as a log record shows it: made absolute, and escaped
    /// (``LoggedText``), since a name read from disk may hold a line break or a terminal's escape sequence.
    func loggedPath(_ relative: String) -> Logger.MetadataValue {
        .string(LoggedText(displayPath(relative), maxBytes: Self.maxLoggedPathBytes).description)
    }

    /// The longest path a log record shows: `PATH_MAX`.
    static let maxLoggedPathBytes = 4096

    // MARK: Folders

    /// Opens the folder `relative` (`""` is the spool directory itself) without following a symbolic link.
    func openFolder(_ relative: String) throws(SpoolError) -> FileDescriptor {
        try Self.openFolder(
            relative.isEmpty ? "." : relative,
            in: root,
            followingLinks: false,
            display: displayPath(relative),
            syscalls: syscalls
        )
    }

    /// Flushes a folder's entries to stable storage: a rename or mkdir in it is durable only after this.
    func synchronizeFolder(_ relative: String) throws(SpoolError) {
        try Self.synchronizeFolder(
            relative.isEmpty ? "." : relative,
            in: root,
            followingLinks: false,
            display: displayPath(relative),
            syscalls: syscalls
        )
    }

    private static func openFolder(
        _ path: String,
        in base: FileDescriptor,
        followingLinks: Bool,
        display: String,
        syscalls: Syscalls
    ) throws(SpoolError) -> FileDescriptor {
        let options: FileDescriptor.OpenOptions =
            followingLinks ? [.directory, .closeOnExec] : [.directory, .noFollow, .closeOnExec]
        do {
            return try syscalls.open(base, FilePath(path), .readOnly, options, nil)
        } catch let error where !followingLinks && (error == .tooManySymbolicLinkLevels || error == .notDirectory) {
            // With O_NOFOLLOW, a symbolic link fails as ELOOP, or as ENOTDIR together with O_DIRECTORY.
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: display,
                message: "is not a folder (a symbolic link is never followed)",
                errno: error
            )
        } catch {
            throw SpoolError.syscall("open", path: display, error, "could not open the folder")
        }
    }

    private static func synchronizeFolder(
        _ path: String,
        in base: FileDescriptor,
        followingLinks: Bool,
        display: String,
        syscalls: Syscalls
    ) throws(SpoolError) {
        let folder = try openFolder(
            path,
            in: base,
            followingLinks: followingLinks,
            display: display,
            syscalls: syscalls
        )
        // Nothing was written through this descriptor, so a failed close loses nothing.
        defer { try? syscalls.close(folder) }
        try synchronize(folder, display: display, syscalls: syscalls)
    }

    /// Makes sure `folder` and the folders above it exist and their entries are on stable storage.
    ///
    /// Each level is fsynced even when another writer created it: that writer may not have flushed it
    /// yet, and an object renamed into a folder whose own entry is lost would be lost with it.
    func ensureDurableFolder(_ folder: String) throws(SpoolError) {
        if durableFolders.withLock({ $0.contains(folder) }) { return }
        try Self.makeFolders(
            folder.split(separator: "/").map(String.init),
            in: root,
            display: displayPath,
            syscalls: syscalls,
            syncExisting: true,
            followingLinks: false
        )
        durableFolders.withLock { folders in
            if folders.count >= 256 { folders.removeAll() }
            folders.insert(folder)
        }
    }

    /// Forgets that `folder` exists, after a rename into it failed with ENOENT (a sweeper removed it).
    func forgetFolder(_ folder: String) {
        _ = durableFolders.withLock { $0.remove(folder) }
    }

    /// Creates the folders on a path one level at a time, each relative to its parent's descriptor, then
    /// fsyncs them deepest first.
    ///
    /// Every level is opened (`O_DIRECTORY`, and `O_NOFOLLOW` unless `followingLinks`) before the next one is
    /// made in it, so a symbolic link planted in place of a folder fails as `.unsafe` before anything is made
    /// through it: a `mkdir` of a whole path would resolve the link for the levels below it.
    ///
    /// - Parameters:
    ///   - components: The path's components; a leading `/` makes it absolute.
    ///   - syncExisting: fsync every level; otherwise only the levels created and the parent of the first
    ///     one created.
    ///   - followingLinks: Whether symbolic links on the path are followed (only for the configured spool
    ///     directory's own path).
    private static func makeFolders(
        _ components: [String],
        in base: FileDescriptor,
        display: (String) -> String,
        syscalls: Syscalls,
        syncExisting: Bool,
        followingLinks: Bool
    ) throws(SpoolError) {
        // A sweeper may remove an empty folder between its mkdir and its open; start over then (a few times).
        var restarts = 0
        while true {
            var levels: [(path: String, folder: FileDescriptor, created: Bool)] = []
            defer {
                // Nothing was written through these descriptors, so a failed close loses nothing.
                for level in levels { try? syscalls.close(level.folder) }
            }
            do throws(SpoolError) {
                var parent = base
                var parentPath = ""
                for component in components {
                    let path =
                        parentPath.isEmpty
                        ? component : parentPath == "/" ? "/" + component : parentPath + "/" + component
                    var created = false
                    if component != "/" {
                        do {
                            try syscalls.makeDirectory(parent, FilePath(component), folderPermissions)
                            created = true
                        } catch .fileExists {
                        } catch {
                            throw SpoolError.syscall("mkdir", path: display(path), error, "could not create the folder")
                        }
                    }
                    let folder = try openFolder(
                        component,
                        in: parent,
                        followingLinks: followingLinks || component == "/",
                        display: display(path),
                        syscalls: syscalls
                    )
                    levels.append((path, folder, created))
                    parent = folder
                    parentPath = path
                }
            } catch let error where error.errno == .noSuchFileOrDirectory && restarts < 3 {
                restarts += 1
                continue
            }
            guard let firstCreated = syncExisting ? 0 : levels.firstIndex(where: \.created) else { return }
            // Deepest first; a folder's entry in its parent is durable once the parent is synced. When only
            // new levels are synced, that includes the parent of the first new one.
            for level in levels[firstCreated...].reversed() {
                try synchronize(level.folder, display: display(level.path), syscalls: syscalls)
            }
            if !syncExisting {
                if firstCreated > 0 {
                    let parent = levels[firstCreated - 1]
                    try synchronize(parent.folder, display: display(parent.path), syscalls: syscalls)
                } else {
                    try synchronizeFolder(".", in: base, followingLinks: true, display: display(""), syscalls: syscalls)
                }
            }
            return
        }
    }

    /// fsyncs an open folder.
    private static func synchronize(_ folder: FileDescriptor, display: String, syscalls: Syscalls) throws(SpoolError) {
        do {
            try syscalls.synchronize(folder)
        } catch {
            throw SpoolError.syscall("fsync", path: display, error, "could not flush the folder to stable storage")
        }
    }

    /// Refuses a directory that another user could change under us.
    private static func checkOwnership(
        of descriptor: FileDescriptor,
        path: String,
        allowUnsafePermissions: Bool
    ) throws(SpoolError) {
        let status: Stat
        do {
            status = try descriptor.stat()
        } catch {
            throw SpoolError.syscall("stat", path: path, error, "could not inspect the folder")
        }
        guard status.type == .directory else {
            throw SpoolError(code: .unsafe, operation: "open", path: path, message: "is not a directory")
        }
        guard !allowUnsafePermissions else { return }
        let override = "set allowUnsafePermissions (config key spool.allowUnsafePermissions) to use it anyway"
        let owner = status.userID.rawValue
        let user = FileDescriptor.effectiveUserID
        guard owner == user else {
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: path,
                message: "is owned by uid \(owner), not by this process's uid \(user); refusing it; \(override)"
            )
        }
        let mode = status.permissions
        guard mode.intersection([.groupWrite, .otherWrite]).isEmpty else {
            let octal = String(mode.rawValue & 0o7777, radix: 8)
            throw SpoolError(
                code: .unsafe,
                operation: "open",
                path: path,
                message: "has mode 0\(octal): writable by group or others, who could plant or alter events; "
                    + "refusing it; use mode 0700 or \(override)"
            )
        }
    }

    /// The path's components for ``makeFolders(_:in:display:syscalls:syncExisting:)``.
    private static func components(of path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        return path.hasPrefix("/") ? ["/"] + parts : parts
    }

    /// Closes a descriptor whose data needs no flush; a failure is only worth a debug line.
    func closeQuietly(_ descriptor: FileDescriptor, _ relative: String) {
        do {
            try syscalls.close(descriptor)
        } catch {
            logger.debug(
                "could not close a spool file",
                metadata: ["spool.path": loggedPath(relative), "spool.errno": "\(error)"]
            )
        }
    }
}
