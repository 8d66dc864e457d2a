import ArgumentParser
import EventSpool
import Foundation
import Logging
import SystemPackage

/// Opening and walking a spool for the subcommands, with spool errors turned into exit statuses.
///
/// Commands that only look (`list`, `show`, `stats`, `verify`, and the dry runs of `purge` and `replay`) open
/// the spool for reading: they create and change nothing, and root may run them on a spool another user owns,
/// as `mailq`. Commands that write open it for writing, and only as the spool's owner. Only `publish` creates
/// the spool directory: any other command on a mistyped path says there is none, rather than working on an
/// empty one.
enum SpoolAccess {
    /// How a command uses the spool.
    enum Purpose {
        /// Reads only: nothing is created or changed.
        case reading
        /// Changes objects of an existing spool.
        case writing
    }

    /// Opens the spool directory.
    ///
    /// - Throws: ``CommandFailure``: `cannotOpenSpool` (73) when there is no spool at the path or it cannot be
    ///   opened; `noPermission` (77) when it belongs to another user.
    static func open(
        _ configuration: SpoolConfiguration,
        for purpose: Purpose,
        logger: Logger
    ) throws(CommandFailure) -> DirectorySpool {
        switch purpose {
        case .reading:
            do {
                return try DirectorySpool.openForReading(configuration: configuration, logger: logger)
            } catch let error where error.errno == .permissionDenied {
                throw CommandFailure(
                    .noPermission,
                    "cannot read the spool \(configuration.directory): permission denied; "
                        + (SpoolOwner(ofDirectoryAt: configuration.directory).map {
                            "run this as its owner: \($0.sudoCommand)"
                        }
                            ?? "run this as the spool's owner")
                )
            } catch let error where error.code == .notFound {
                throw CommandFailure(.cannotOpenSpool, error.message)
            } catch {
                throw CommandFailure(.cannotOpenSpool, "cannot open the spool \(configuration.directory): \(error)")
            }
        case .writing:
            try checkOwner(of: configuration)
            try requireSpool(configuration)
            do {
                return try DirectorySpool(configuration: configuration, logger: logger)
            } catch {
                throw CommandFailure(.cannotOpenSpool, "cannot open the spool \(configuration.directory): \(error)")
            }
        }
    }

    /// Refuses to write where there is no spool directory (73, "no spool at …"), rather than making one and its
    /// missing parents: a sweep run from cron with a mistyped `spool.directory` would otherwise go on silently
    /// while the real spool waits. An existing directory is enough — tmpfiles.d makes only the directory, and
    /// the first writer makes its folders. Only `publish` creates the directory itself.
    ///
    /// - Throws: ``CommandFailure`` with status `cannotOpenSpool` (73).
    static func requireSpool(_ configuration: SpoolConfiguration) throws(CommandFailure) {
        guard !FileManager.default.fileExists(atPath: configuration.directory) else { return }
        throw CommandFailure(
            .cannotOpenSpool,
            "no spool at \(configuration.directory): the directory does not exist (only publish creates it)"
        )
    }

    /// Refuses to write into a spool another user owns, saying to run the command as that user: root's files
    /// there would make every later sweep by the owner fail. Another user is let in only with
    /// `spool.allowUnsafePermissions`, root never.
    ///
    /// - Throws: ``CommandFailure`` with status `noPermission` (77).
    static func checkOwner(of configuration: SpoolConfiguration) throws(CommandFailure) {
        guard let owner = SpoolOwner(ofDirectoryAt: configuration.directory),
            owner.userID != SpoolOwner.currentUserID
        else { return }
        if SpoolOwner.isRoot {
            throw CommandFailure(
                .noPermission,
                "the spool \(configuration.directory) belongs to \(owner.displayName); root must not write into "
                    + "it (its owner could not change what root creates there, and later sweeps would fail); "
                    + "run this as its owner: \(owner.sudoCommand)"
            )
        }
        guard !configuration.allowUnsafePermissions else { return }
        throw CommandFailure(
            .noPermission,
            "the spool \(configuration.directory) belongs to \(owner.displayName), not to uid "
                + "\(SpoolOwner.currentUserID); run this as its owner: \(owner.sudoCommand)"
        )
    }

    /// Opens the spool, runs `body` with it, and shuts the spool down afterwards, also when `body` throws.
    static func withSpool<Result>(
        _ configuration: SpoolConfiguration,
        for purpose: Purpose,
        logger: Logger,
        _ body: (DirectorySpool) async throws -> Result
    ) async throws -> Result {
        let spool = try open(configuration, for: purpose, logger: logger)
        do {
            let result = try await body(spool)
            await spool.shutdown()
            return result
        } catch {
            await spool.shutdown()
            throw error
        }
    }

    /// Runs `body` holding `sweeper.lock`, so that a command rewriting or moving objects cannot race a
    /// sweeper doing the same (a purged event resurrected, a delivered one written back).
    ///
    /// - Throws: ``CommandFailure`` with status `busy` (75) when a sweeper holds the lock.
    static func withSweeperLock<Result>(
        _ spool: DirectorySpool,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let lock: SpoolLock?
        do {
            lock = try spool.tryLock(named: "sweeper.lock")
        } catch {
            throw failure(error, doing: "cannot take sweeper.lock")
        }
        guard let lock else { throw busy(spool.configuration.directory) }
        defer { lock.unlock() }
        return try await body()
    }

    /// The failure of a command that found a sweeper holding the lock.
    static func busy(_ directory: String) -> CommandFailure {
        CommandFailure(
            .busy,
            "a sweeper is working on \(directory) (sweeper.lock is held); try again when it has finished"
        )
    }

    /// Calls `body` with every object in `state`, in key order, streaming: one object in memory at a time.
    /// An object that cannot be read is passed as a failure, and the walk goes on; one removed since it was
    /// listed (by a sweeper or a write-ahead publisher) is skipped.
    ///
    /// - Parameter body: Returns `false` to stop the walk.
    /// - Throws: ``CommandFailure`` with status `ioError` (74) when the listing itself fails.
    static func forEachObject(
        in state: SpoolState,
        of spool: DirectorySpool,
        _ body: (SpoolEntry, Result<SpoolObject, SpoolError>) async throws(CommandFailure) -> Bool
    ) async throws(CommandFailure) {
        try await forEachEntry(in: state, of: spool) { entry throws(CommandFailure) in
            let object: Result<SpoolObject, SpoolError>
            do throws(SpoolError) {
                object = .success(try await spool.get(entry.key, in: state))
            } catch let error where error.code == .notFound {
                return true
            } catch {
                object = .failure(error)
            }
            return try await body(entry, object)
        }
    }

    /// Calls `body` with every entry of the listing of `state`, in key order, without reading the objects.
    ///
    /// - Parameter body: Returns `false` to stop the walk.
    /// - Throws: ``CommandFailure`` with status `ioError` (74) when the listing itself fails.
    static func forEachEntry(
        in state: SpoolState,
        of spool: DirectorySpool,
        _ body: (SpoolEntry) async throws(CommandFailure) -> Bool
    ) async throws(CommandFailure) {
        do {
            for try await entry in spool.list(state) {
                guard try await body(entry) else { return }
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(.ioError, "cannot list \(state)/ in \(spool.configuration.directory): \(error)")
        }
    }

    /// The size of an object in bytes, or 0 when its header cannot be read.
    static func size(of key: SpoolKey, in state: SpoolState, spool: DirectorySpool) async -> Int {
        (try? await spool.header(key, in: state).size) ?? 0
    }

    /// The events an object that does not read as a whole holds, as its header says (the reader checked the
    /// count against the object's size), or 1 when the header cannot be read either: a damaged record must
    /// not hide the events beside it from the counts.
    static func eventCount(ofUnreadable key: SpoolKey, in state: SpoolState, spool: DirectorySpool) async -> Int {
        (try? await spool.header(key, in: state).eventCount) ?? 1
    }

    /// Turns a spool error met while changing the spool into exit status 74.
    static func failure(_ error: SpoolError, doing action: String) -> CommandFailure {
        CommandFailure(.ioError, "\(action): \(error)")
    }
}
