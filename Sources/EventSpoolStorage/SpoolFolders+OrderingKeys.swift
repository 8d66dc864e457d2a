import Crypto
import EventSpoolModel
import EventSpoolSystem
import Logging
import SystemPackage

import struct Foundation.Date

#if canImport(SwiftOverlayShims)
// In release builds `struct timespec` may be imported through this module (which the Glibc overlay loads),
// and MemberImportVisibility then wants it imported to use the struct's fields.
import SwiftOverlayShims
#endif

/// Ordering-key marks: `ordering/<SHA-256 of the ordering key, hex>`, one small file per ordering key that
/// may have events waiting in `pending/` (its content is the key itself, for people). A publisher that
/// finds the mark spools an event of that key instead of sending it, so it cannot overtake spooled ones —
/// also across the processes sharing the spool.
///
/// The mark's modification time says whether a put set it since the last sweep began:
///
/// - A put holds `ordering.lock` shared from before it marks its keys until its object is in place (renamed,
///   folder flushed). It creates missing marks (durably: `ordering/` is fsynced) and sets every mark's time to
///   its clock's time, never to 1970-01-01T00:00:00Z.
/// - A sweep, before it lists `pending/`, sets every mark's time to 1970-01-01T00:00:00Z: "cleared"
///   (``clearOrderingMarks()``). After a complete pass it removes the mark of every key it found no event of
///   whose time is still the cleared one, and marks the keys it found (``releaseOrderingMarks(keeping:now:)``).
///   Each of these steps holds `ordering.lock` exclusively: a compare-and-delete no put can come between.
///
/// Why a removed mark never leaves an event of its key waiting: an event in `pending/` that the pass did not
/// list was renamed into place after the listing began, so after the marks were cleared; its put held the
/// lock shared from its marking to its rename, so it marked after the clearing too (the clearing could not
/// fall inside that span), and no clearing came since — the mark is not cleared, and is not removed. A put
/// still running holds the lock, so the removal waits for it. And the removal is one `unlink`: a publisher
/// never finds the mark missing while the key may have events waiting, and a sweeper killed at any step
/// leaves every mark of such a key in place. Nothing here depends on a clock: a clock stepped back only
/// changes the times a put writes, and those are never compared.
extension SpoolFolders {
    static let orderingFolder = "ordering"

    /// The time (seconds since 1970) of a mark cleared by a sweep and set by no put since.
    static let clearedMarkTime: Double = 0

    /// How many marks one hold of `ordering.lock` clears or releases: a put waits for at most that many.
    static let marksPerLock = 64

    /// The mark's file name: fixed length and safe whatever the ordering key holds.
    static func markName(_ orderingKey: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var name: [UInt8] = []
        name.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(orderingKey.utf8)) {
            name.append(digits[Int(byte >> 4)])
            name.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// The time a put sets on a mark: `time`, but never within two seconds of the cleared time (a file
    /// system with coarse timestamps could round such a time to it).
    static func markTime(_ time: Date) -> Double {
        let seconds = time.timeIntervalSince1970
        return seconds >= 2 ? seconds : 2
    }

    /// Marks `orderingKeys` as possibly having events waiting, set at `time`.
    ///
    /// - Important: Call it holding `ordering.lock` (shared), and keep holding it until the events are in
    ///   place; returns once every mark exists durably.
    func markOrderingKeys(_ orderingKeys: some Sequence<String>, at time: Date) throws(SpoolError) {
        var created = false
        for orderingKey in orderingKeys {
            let path = "\(Self.orderingFolder)/\(Self.markName(orderingKey))"
            switch try openMark(path) {
            case .missing:
                try createMark(orderingKey, at: path, time: time)
                created = true
            case .foreign(let problem):
                // Its name alone keeps the key marked, and a sweep never removes it: safe, if slower.
                warnOfForeignMark(path, problem)
            case .own(let file, _):
                defer { closeQuietly(file, path) }
                try setMarkTime(file, path, Self.markTime(time), "could not mark the ordering key")
            }
        }
        // New names are durable only once the folder's entries are.
        if created {
            try synchronizeFolder(Self.orderingFolder)
        }
    }

    /// Runs `body` (a write of events with these ordering keys) with the keys marked, holding
    /// `ordering.lock` shared throughout.
    func withOrderingKeysMarked<Result>(
        _ orderingKeys: Set<String>,
        at time: Date,
        _ body: () throws(SpoolError) -> Result
    ) throws(SpoolError) -> Result {
        guard !orderingKeys.isEmpty else { return try body() }
        return try withOrderingLock(.shared) { () throws(SpoolError) -> Result in
            try markOrderingKeys(orderingKeys, at: time)
            return try body()
        }
    }

    private func createMark(_ orderingKey: String, at path: String, time: Date) throws(SpoolError) {
        let file: FileDescriptor
        do {
            file = try syscalls.open(
                root,
                FilePath(path),
                .writeOnly,
                [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                Self.filePermissions
            )
        } catch .fileExists {
            // Another writer made it just now; it is as good as ours.
            return
        } catch {
            throw SpoolError.syscall("open", path: displayPath(path), error, "could not create the ordering-key mark")
        }
        defer { closeQuietly(file, path) }
        // The content only tells a person which key this is: a short write costs nothing but readability.
        _ = Array(orderingKey.utf8).withUnsafeBytes { try? syscalls.write(file, $0) }
        try setMarkTime(file, path, Self.markTime(time), "could not mark the ordering key")
    }

    /// Whether the ordering key is marked.
    func hasOrderingMark(_ orderingKey: String) throws(SpoolError) -> Bool {
        let path = "\(Self.orderingFolder)/\(Self.markName(orderingKey))"
        do {
            _ = try Stat(FilePath(path), relativeTo: root, flags: .symlinkNoFollow)
            return true
        } catch .noSuchFileOrDirectory {
            return false
        } catch {
            throw SpoolError.syscall("stat", path: displayPath(path), error, "could not look up the ordering-key mark")
        }
    }

    /// Clears every mark (sets its time to ``clearedMarkTime``), for a sweep to call before it lists `pending/`.
    /// An entry that is not a mark of the spool's own (``openMark(_:)``) is left alone, with a warning.
    ///
    /// - Returns: How many marks were cleared.
    @discardableResult
    func clearOrderingMarks() throws(SpoolError) -> Int {
        var cleared = 0
        try forEachMarkHoldingTheLock(skipping: []) { (path) throws(SpoolError) in
            switch try openMark(path) {
            case .missing:
                break  // removed meanwhile: nothing to clear
            case .foreign(let problem):
                warnOfForeignMark(path, problem)
            case .own(let file, _):
                defer { closeQuietly(file, path) }
                try setMarkTime(file, path, Self.clearedMarkTime, "could not clear the mark")
                cleared += 1
            }
        }
        return cleared
    }

    /// Removes the marks of keys not in `keeping` that are still cleared (no put set them since the sweep
    /// began), and marks every key in `keeping` (a crash may have lost a mark whose events are still waiting).
    ///
    /// An entry that is not a mark of the spool's own — a folder, a FIFO, a symbolic link, a hard link to a file
    /// elsewhere — is left in place (its name keeps its key marked: slower, never out of order); the others are
    /// released all the same, and then the call throws, naming it: a person must remove it.
    ///
    /// - Returns: How many marks were removed.
    @discardableResult
    func releaseOrderingMarks(keeping: Set<String>, now: Date) throws(SpoolError) -> Int {
        try withOrderingKeysMarked(keeping, at: now) {}
        var removed = 0
        var foreign: [(path: String, problem: String)] = []
        try forEachMarkHoldingTheLock(skipping: Set(keeping.map(Self.markName))) { (path) throws(SpoolError) in
            let status: Stat
            switch try openMark(path) {
            case .missing:
                return
            case .foreign(let problem):
                foreign.append((path, problem))
                return
            case .own(let file, let opened):
                closeQuietly(file, path)
                status = opened
            }
            // Set by a put since the sweep began: its key may have events waiting.
            guard status.st_mtim.tv_sec == 0, status.st_mtim.tv_nsec == 0 else { return }
            do throws(Errno) {
                try syscalls.unlink(root, FilePath(path))
                removed += 1
            } catch .noSuchFileOrDirectory {
                // Gone already.
            } catch {
                throw SpoolError.syscall("unlink", path: displayPath(path), error, "could not release the mark")
            }
        }
        if let first = foreign.first {
            let others = foreign.count > 1 ? " (and \(foreign.count - 1) more such entries in ordering/)" : ""
            throw SpoolError(
                code: .unsafe,
                operation: "release",
                path: displayPath(first.path),
                message: "\(first.problem); \(Self.foreignMarkAdvice)\(others)"
            )
        }
        return removed
    }

    /// Runs `body` with the path of every mark whose name is not in `skipping`, holding `ordering.lock`
    /// exclusively for ``marksPerLock`` marks at a time.
    private func forEachMarkHoldingTheLock(
        skipping: Set<String>,
        _ body: (String) throws(SpoolError) -> Void
    ) throws(SpoolError) {
        let names = try folderNames(Self.orderingFolder).filter { $0.utf8.count == 64 && !skipping.contains($0) }
        guard !names.isEmpty else { return }
        let turnstile = try openTurnstile()
        let ordering = try openLockFile(Self.orderingLockFile)
        var start = names.startIndex
        while start < names.endIndex {
            let end = min(start + Self.marksPerLock, names.endIndex)
            try enterOrderingLock(.exclusive, turnstile: turnstile, ordering: ordering)
            defer { unlock(ordering) }
            for name in names[start..<end] {
                try body("\(Self.orderingFolder)/\(name)")
            }
            start = end
        }
    }

    /// What stands at a mark's path.
    enum MarkEntry {
        /// Nothing.
        case missing
        /// A mark of the spool's own, open (the caller closes it), and its status.
        case own(FileDescriptor, Stat)
        /// Something else, and what: the spool never writes or sets times through it.
        case foreign(String)
    }

    /// What to do about an entry in `ordering/` that is not a mark of the spool's own.
    static let foreignMarkAdvice =
        "not a mark the spool made; it keeps its ordering key marked until a person removes it"

    /// Opens the mark at `path` — never through a symbolic link, never waiting on a FIFO — when it is a regular
    /// file with one name. A hard link would have the spool set the times of the file of its other name,
    /// wherever that is; a folder can be neither cleared nor removed.
    func openMark(_ path: String) throws(SpoolError) -> MarkEntry {
        let file: FileDescriptor
        do {
            file = try syscalls.open(root, FilePath(path), .readOnly, [.noFollow, .nonBlocking, .closeOnExec], nil)
        } catch .noSuchFileOrDirectory {
            return .missing
        } catch .tooManySymbolicLinkLevels {
            return .foreign("is a symbolic link, not a regular file")
        } catch {
            throw SpoolError.syscall("open", path: displayPath(path), error, "could not open the ordering-key mark")
        }
        let status: Stat
        do {
            status = try syscalls.status(file)
        } catch {
            closeQuietly(file, path)
            throw SpoolError.syscall("fstat", path: displayPath(path), error, "could not inspect the ordering-key mark")
        }
        if let problem = Self.notOwnFile(status) {
            closeQuietly(file, path)
            return .foreign(problem)
        }
        return .own(file, status)
    }

    /// Sets the times of the open mark `file` to `seconds` since 1970.
    private func setMarkTime(
        _ file: FileDescriptor,
        _ path: String,
        _ seconds: Double,
        _ failure: String
    )
        throws(SpoolError)
    {
        do {
            try syscalls.setTimes(file, seconds)
        } catch {
            throw SpoolError.syscall("futimens", path: displayPath(path), error, failure)
        }
    }

    /// Logs an entry in `ordering/` the spool leaves alone.
    private func warnOfForeignMark(_ path: String, _ problem: String) {
        logger.warning(
            "an entry in ordering/ is not a mark the spool made; leaving it alone: remove it by hand",
            metadata: ["spool.path": loggedPath(path), "spool.problem": "\(problem)"]
        )
    }

    /// The modification time in `status`.
    static func modificationTime(_ status: Stat) -> Date {
        Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
    }
}
