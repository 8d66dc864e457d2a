import EventSpoolModel
import EventSpoolSystem
import Logging
import SystemPackage

/// Walks one state's folders in key order, one folder of objects at a time: `YYYY`, then `MM`, `DD`, `HH`,
/// `MM`, each level sorted, and only one minute folder's names sorted in memory at once — so listing a
/// million objects takes the memory of one minute's worth.
///
/// Names that are not spool objects are skipped with a warning. Entries named like an object are returned
/// whatever their type, so that a symbolic link or FIFO planted there reaches ``SpoolFolders/readObject(_:in:)``,
/// fails as `.unsafe` and can be moved to quarantine.
struct SpoolFolderWalk: Sendable {
    private struct Level: Sendable {
        /// The folder relative to the spool directory, for example `pending/2026/11`.
        var path: String
        /// The folder below the state folder, for example `2026/11`.
        var folder: String
        /// The entries not visited yet, sorted descending so that `popLast()` yields the smallest.
        var names: [String]
        var depth: Int
    }

    let directory: SpoolFolders
    let state: SpoolState
    let prefix: String
    /// Whether names that are not spool objects are logged (a listing does; counting for limits does not).
    let warnsAboutForeignEntries: Bool
    private var stack: [Level] = []
    private var started = false

    /// Only keys that start with `prefix`; folders that cannot hold such keys are not even opened.
    init(directory: SpoolFolders, state: SpoolState, prefix: String, warnsAboutForeignEntries: Bool = true) {
        self.directory = directory
        self.state = state
        self.prefix = prefix
        self.warnsAboutForeignEntries = warnsAboutForeignEntries
    }

    /// The depth of the folders that hold objects: `YYYY/MM/DD/HH/MM` below the state folder, except in
    /// the flat `quarantine/`.
    private var objectDepth: Int { state == .quarantine ? 0 : 5 }

    /// The objects of the next folder that has any, in key order; `nil` after the last.
    mutating func nextFolder() throws(SpoolError) -> [SpoolEntry]? {
        if !started {
            started = true
            guard let names = try names(in: state.rawValue) else { return nil }
            stack = [Level(path: state.rawValue, folder: "", names: Self.sortedDescending(names), depth: 0)]
        }
        while let top = stack.indices.last {
            if stack[top].depth == objectDepth {
                let entries = objects(in: stack.removeLast())
                if !entries.isEmpty { return entries }
                continue
            }
            guard let name = stack[top].names.popLast() else {
                stack.removeLast()
                continue
            }
            let depth = stack[top].depth + 1
            let path = stack[top].path + "/" + name
            guard Self.isFolderName(name, depth: depth) else {
                warn("skipping an entry that is not a spool folder", path)
                continue
            }
            let folder = stack[top].folder.isEmpty ? name : stack[top].folder + "/" + name
            let folderPrefix = SpoolKey.folderPrefix(ofFolder: folder)
            guard folderPrefix.utf8.starts(with: prefix.utf8) || prefix.utf8.starts(with: folderPrefix.utf8) else {
                continue
            }
            guard let names = try names(in: path) else { continue }
            stack.append(Level(path: path, folder: folder, names: Self.sortedDescending(names), depth: depth))
        }
        return nil
    }

    /// The names in a folder; `nil` when it vanished meanwhile (a sweeper removed it) or is not a folder.
    private func names(in path: String) throws(SpoolError) -> [String]? {
        do {
            return try directory.folderNames(path)
        } catch let error where error.errno == .noSuchFileOrDirectory {
            return nil
        } catch let error where error.errno == .notDirectory || error.errno == .tooManySymbolicLinkLevels {
            warn("skipping an entry that is not a folder (a symbolic link is never followed)", path)
            return nil
        }
    }

    private func objects(in level: Level) -> [SpoolEntry] {
        var entries: [SpoolEntry] = []
        entries.reserveCapacity(level.names.count)
        for name in level.names.reversed() {
            let path = level.path + "/" + name
            // A quarantine number (`<key>~2.evs`) names only a second object of a key in quarantine/.
            guard let key = SpoolKey(fileName: name), state == .quarantine || key.quarantineNumber == nil else {
                warn("skipping a file that is not a spool object", path)
                continue
            }
            guard key.rawValue.utf8.starts(with: prefix.utf8) else { continue }
            // Reading and moving find an object by its key, so one in the wrong folder could be neither.
            guard state == .quarantine || key.folder == level.folder else {
                warn("skipping an object that is not in the folder its key names", path)
                continue
            }
            entries.append(SpoolEntry(key: key, state: state, path: path))
        }
        return entries
    }

    private func warn(_ message: Logger.Message, _ path: String) {
        guard warnsAboutForeignEntries else { return }
        directory.logger.warning(message, metadata: ["spool.path": directory.loggedPath(path)])
    }

    /// `YYYY` at depth 1, two digits below: `MM`, `DD`, `HH`, `MM`.
    static func isFolderName(_ name: String, depth: Int) -> Bool {
        let digits = name.utf8
        return digits.count == (depth == 1 ? 4 : 2) && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Byte order, which for keys is publish order.
    static func sortedDescending(_ names: [String]) -> [String] {
        names.sorted { $1.utf8.lexicographicallyPrecedes($0.utf8) }
    }
}

extension SpoolFolders {
    /// The names in the folder `relative`, unsorted; the folder is opened without following a link.
    func folderNames(_ relative: String) throws(SpoolError) -> [String] {
        do {
            return try FileDescriptor.directoryNames(in: root, FilePath(relative))
        } catch {
            throw SpoolError.syscall("readdir", path: displayPath(relative), error, "could not list the folder")
        }
    }
}

extension SpoolFolders {
    /// The newest key in `state`: the last object of the last folder that has one, found by going down the
    /// last folder of each level (and back up past empty ones), so it costs a few folder reads, not a listing.
    /// `nil` when there is none, or the folders cannot be read (the listing reports that).
    func newestKey(in state: SpoolState) -> SpoolKey? {
        func newest(in path: String, folder: String, depth: Int) -> SpoolKey? {
            guard let names = try? folderNames(path) else { return nil }
            if depth == 5 {
                let keys = names.compactMap { SpoolKey(fileName: $0) }.filter { $0.folder == folder }
                for key in keys where !SpoolKeySource.isCredible(key) {
                    logger.warning(
                        "ignoring an object in the year 9999 or later as the newest key: later keys could not follow it",
                        metadata: ["spool.path": loggedPath(Self.objectPath(key, in: state))]
                    )
                }
                return keys.filter(SpoolKeySource.isCredible).max()
            }
            for name in SpoolFolderWalk.sortedDescending(names)
            where SpoolFolderWalk.isFolderName(name, depth: depth + 1) {
                let child = folder.isEmpty ? name : folder + "/" + name
                if let key = newest(in: path + "/" + name, folder: child, depth: depth + 1) { return key }
            }
            return nil
        }
        guard state != .quarantine else { return nil }
        return newest(in: state.rawValue, folder: "", depth: 0)
    }
}
