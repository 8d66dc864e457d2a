import ArgumentParser
import EventSpool
import Foundation
import Logging
import SystemPackage

/// Opening and walking a spool for the subcommands, with spool errors turned into exit statuses.
///
/// Every command works on `any Spool`: a directory, or a bucket (`spool.backend: s3`). What only a directory
/// has — read-only opening, the owner's checks, "no spool at …" — happens only when there is no object store.
///
/// Commands that only look (`list`, `show`, `stats`, `verify`, and the dry runs of `purge` and `replay`) open
/// a spool directory for reading: they create and change nothing, and root may run them on a spool another user
/// owns, as `mailq`. Commands that write open it for writing, and only as the spool's owner. Only `publish`
/// creates the spool directory: any other command on a mistyped path says there is none, rather than working
/// on an empty one.
enum SpoolAccess {
    /// How a command uses the spool.
    enum Purpose {
        /// Reads only: nothing is created or changed.
        case reading
        /// Changes objects of an existing spool.
        case writing
    }

    /// Opens the spool: the bucket when `configuration` names an object store, else the spool directory.
    ///
    /// - Throws: ``CommandFailure``: `cannotOpenSpool` (73) when there is no spool at the path or it cannot be
    ///   opened; `noPermission` (77) when it (or a bucket's local last resort) belongs to another user;
    ///   `configuration` (78) when the object store's settings cannot be used.
    static func open(
        _ configuration: SpoolConfiguration,
        for purpose: Purpose,
        logger: Logger
    ) throws(CommandFailure) -> any Spool {
        guard configuration.objectStore == nil else {
            guard purpose == .writing else { return try openObjectStoreForReading(configuration, logger: logger) }
            // The local last resort takes what the store refuses, and sweeps drain it: only its owner writes.
            if !configuration.directory.isEmpty {
                try checkOwner(of: configuration)
            }
            return try openObjectStore(configuration, logger: logger)
        }
        return try openDirectory(configuration, for: purpose, logger: logger)
    }

    /// Opens a bucket's spool for a command that only reads, creating nothing: its local last resort is read
    /// where it is a spool, and left out where there is none (no directory, or one no writer has used yet).
    private static func openObjectStoreForReading(
        _ configuration: SpoolConfiguration,
        logger: Logger
    ) throws(CommandFailure) -> any Spool {
        let bucket = try openBucket(configuration, logger: logger)
        guard !configuration.directory.isEmpty, FileManager.default.fileExists(atPath: configuration.directory) else {
            return bucket
        }
        var local = configuration
        local.objectStore = nil
        do {
            return LastResortSpool(primary: bucket, lastResort: try openDirectory(local, for: .reading, logger: logger))
        } catch let failure where failure.status == .cannotOpenSpool {
            return bucket
        }
    }

    /// Opens the spool in the bucket `configuration.objectStore` names, with `spool.directory` as its local last
    /// resort unless that is empty (``SpoolConfiguration/open(clock:logger:)``, as a publisher and a sweeper
    /// open it); no request is made yet.
    ///
    /// - Throws: ``CommandFailure``: `configuration` (78) when the store's settings cannot be used,
    ///   `cannotOpenSpool` (73) otherwise.
    static func openObjectStore(
        _ configuration: SpoolConfiguration,
        logger: Logger
    ) throws(CommandFailure) -> any Spool {
        do {
            return try configuration.open(logger: logger)
        } catch {
            throw openingFailure(error, configuration)
        }
    }

    /// Opens the bucket alone, without a local last resort: what `migrate` writes into.
    ///
    /// - Throws: ``CommandFailure``: `configuration` (78) when the store's settings cannot be used,
    ///   `cannotOpenSpool` (73) otherwise.
    static func openBucket(_ configuration: SpoolConfiguration, logger: Logger) throws(CommandFailure) -> S3Spool {
        do {
            return try S3Spool(configuration: configuration, logger: logger)
        } catch {
            throw openingFailure(error, configuration)
        }
    }

    /// A bucket's spool that cannot be opened: 78 when its settings are refused, else 73.
    private static func openingFailure(_ error: SpoolError, _ configuration: SpoolConfiguration) -> CommandFailure {
        CommandFailure(
            error.code == .invalidConfiguration ? .configuration : .cannotOpenSpool,
            "cannot open the spool \(location(of: configuration)): \(error)"
        )
    }

    /// Opens the spool directory: for reading only, or for writing as its owner and only where it exists.
    static func openDirectory(
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

    /// Where the spool of `configuration` is, for messages: `s3://bucket/prefix`, or its directory.
    static func location(of configuration: SpoolConfiguration) -> String {
        configuration.objectStore?.location ?? configuration.directory
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
        _ body: (any Spool) async throws -> Result
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

    /// Runs `body` holding the sweeper's lease (`sweeper.lock` of a directory, `sweeper.lease` in a bucket), so
    /// that a command rewriting or moving objects cannot race a sweeper doing the same (a purged event
    /// resurrected, a delivered one written back). A lease that must be renewed (a bucket's) is renewed while
    /// `body` runs; `body` gets the lease to check before each write.
    ///
    /// - Throws: ``CommandFailure`` with status `busy` (75) when a sweeper holds the lease.
    static func withSweeperLock<Result>(
        _ spool: any Spool,
        logger: Logger,
        _ body: (any SpoolLease) async throws -> Result
    ) async throws -> Result {
        let lease: (any SpoolLease)?
        do {
            lease = try await spool.tryAcquireSweeperLease()
        } catch  where error.code == .notFound {
            // The lease object itself is never "not found": a bucket that does not exist is no spool (73).
            throw CommandFailure(.cannotOpenSpool, "no spool at \(spool.location): \(error)")
        } catch {
            throw failure(error, doing: "cannot take the sweeper's lease of \(spool.location)")
        }
        guard let lease else { throw busy(spool.configuration) }
        let renewal = lease.renewalInterval.map { interval in
            Task { [logger] in
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: interval)
                        try await lease.renew()
                    } catch is CancellationError {
                        return
                    } catch {
                        // The lease's own check now fails: the next write that checks it stops.
                        logger.error("cannot renew the sweeper's lease", metadata: ["error": "\(error)"])
                        return
                    }
                }
            }
        }
        do {
            let result = try await body(lease)
            renewal?.cancel()
            await lease.release()
            return result
        } catch {
            renewal?.cancel()
            await lease.release()
            throw error
        }
    }

    /// The failure of a command that found a sweeper holding the lease.
    static func busy(_ configuration: SpoolConfiguration) -> CommandFailure {
        let held = configuration.objectStore == nil ? "sweeper.lock is held" : "its lease sweeper.lease is held"
        return CommandFailure(
            .busy,
            "a sweeper is working on \(location(of: configuration)) (\(held)); try again when it has finished"
        )
    }

    /// Calls `body` with every object in `state`, in key order, streaming: one object in memory at a time.
    /// An object that cannot be read is passed as a failure, and the walk goes on; one removed since it was
    /// listed (by a sweeper or a write-ahead publisher) is skipped. A store that does not answer ends the walk:
    /// that says nothing about the object.
    ///
    /// - Parameter body: Returns `false` to stop the walk.
    /// - Throws: ``CommandFailure`` with status `ioError` (74) when the listing itself fails, `unavailable` (69)
    ///   when the object store does not answer.
    static func forEachObject(
        in state: SpoolState,
        of spool: any Spool,
        _ body: (SpoolEntry, Result<SpoolObject, SpoolError>) async throws(CommandFailure) -> Bool
    ) async throws(CommandFailure) {
        try await forEachEntry(in: state, of: spool) { entry throws(CommandFailure) in
            let object: Result<SpoolObject, SpoolError>
            do throws(SpoolError) {
                object = .success(try await spool.get(entry.key, in: state))
            } catch let error where error.code == .notFound {
                return true
            } catch let error where error.code == .unavailable {
                throw failure(error, doing: "cannot read \(state)/\(entry.key) in \(spool.location)")
            } catch {
                object = .failure(error)
            }
            return try await body(entry, object)
        }
    }

    /// Calls `body` with every entry of the listing of `state`, in key order, without reading the objects.
    ///
    /// - Parameter body: Returns `false` to stop the walk.
    /// - Throws: ``CommandFailure`` with status `ioError` (74) when the listing itself fails, `unavailable` (69)
    ///   when the object store does not answer, `cannotOpenSpool` (73) when its bucket does not exist.
    static func forEachEntry(
        in state: SpoolState,
        of spool: any Spool,
        _ body: (SpoolEntry) async throws(CommandFailure) -> Bool
    ) async throws(CommandFailure) {
        do {
            for try await entry in spool.list(state) {
                guard try await body(entry) else { return }
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch let error as SpoolError {
            throw listingFailure(error, state, spool)
        } catch {
            throw CommandFailure(.ioError, "cannot list \(state)/ in \(spool.location): \(error)")
        }
    }

    /// A failed listing of `state`: a bucket that does not exist is no spool (73); see ``failure(_:doing:)``.
    static func listingFailure(_ error: SpoolError, _ state: SpoolState, _ spool: any Spool) -> CommandFailure {
        guard error.code == .notFound else {
            return failure(error, doing: "cannot list \(state)/ in \(spool.location)")
        }
        return CommandFailure(.cannotOpenSpool, "no spool at \(spool.location): \(error)")
    }

    /// Where an object is, for a person: its path, or its name in the bucket.
    static func objectLocation(of key: SpoolKey, in state: SpoolState, spool: any Spool) -> String {
        (spool as? any InspectableSpool)?.objectLocation(of: key, in: state) ?? "\(spool.location) \(state)/\(key)"
    }

    /// Reads an object's bytes as they are and decodes what it can, for a person inspecting it.
    static func inspect(
        _ key: SpoolKey,
        in state: SpoolState,
        spool: any Spool
    ) async throws(SpoolError) -> SpoolObjectDump {
        guard let inspectable = spool as? any InspectableSpool else {
            throw SpoolError(
                code: .io,
                operation: "inspect",
                path: objectLocation(of: key, in: state, spool: spool),
                message: "this spool cannot hand out an object's bytes as stored"
            )
        }
        return try await inspectable.inspect(key, in: state)
    }

    /// The size of an object in bytes, or 0 when its header cannot be read.
    static func size(of key: SpoolKey, in state: SpoolState, spool: any Spool) async -> Int {
        (try? await spool.header(key, in: state).size) ?? 0
    }

    /// The events an object that does not read as a whole holds, as its header says (the reader checked the
    /// count against the object's size), or 1 when the header cannot be read either: a damaged record must
    /// not hide the events beside it from the counts.
    static func eventCount(ofUnreadable key: SpoolKey, in state: SpoolState, spool: any Spool) async -> Int {
        (try? await spool.header(key, in: state).eventCount) ?? 1
    }

    /// Turns a spool error met while reading or changing the spool into an exit status: `unavailable` (69)
    /// when the object store did not answer, `configuration` (78) when its settings are refused, `ioError` (74)
    /// otherwise. The error names the object, never a credential.
    static func failure(_ error: SpoolError, doing action: String) -> CommandFailure {
        let status: CommandFailure.Status =
            switch error.code {
            case .unavailable: .unavailable
            case .invalidConfiguration: .configuration
            default: .ioError
            }
        return CommandFailure(status, "\(action): \(error)")
    }
}
