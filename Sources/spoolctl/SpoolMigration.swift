import EventSpool

/// Moves the objects of a spool directory into a bucket, one at a time, without loss: each object is read,
/// created in the bucket under the same key and state, and only then deleted from the directory. A crash
/// between the two leaves the object in both places; run again, the bucket's copy is recognised (the same
/// events) and only the directory's is deleted. Nothing is ever overwritten in the bucket.
struct SpoolMigration {
    /// What happened to the objects so far.
    struct Counts {
        /// Objects moved (in a dry run: that would move), and their events.
        var migrated = 0
        var events = 0
        var alreadyThere = 0
        var kept = 0
    }

    let source: DirectorySpool
    let bucket: S3Spool
    let dryRun: Bool
    let json: Bool
    private(set) var counts = Counts()

    init(source: DirectorySpool, bucket: S3Spool, dryRun: Bool, json: Bool) {
        self.source = source
        self.bucket = bucket
        self.dryRun = dryRun
        self.json = json
    }

    /// The states in the order they move: a held event holds back later events of its ordering key, so it is
    /// in the bucket before they are.
    static let order: [SpoolState] = [.held, .pending, .dead, .quarantine]

    /// Moves (or, in a dry run, looks at) every object of the directory.
    ///
    /// - Parameter lease: The directory's sweeper lock, checked before each write.
    /// - Throws: ``CommandFailure``: `unavailable` (69) when the bucket does not answer, `ioError` (74) when an
    ///   object cannot be written or deleted; what moved before stays moved.
    mutating func run(checking lease: (any SpoolLease)?) async throws(CommandFailure) {
        for state in Self.order {
            try await SpoolAccess.forEachObject(in: state, of: source) { entry, read throws(CommandFailure) in
                try await migrate(entry, read, lease: lease)
                return true
            }
        }
    }

    private mutating func migrate(
        _ entry: SpoolEntry,
        _ read: Result<SpoolObject, SpoolError>,
        lease: (any SpoolLease)?
    ) async throws(CommandFailure) {
        let object: SpoolObject
        switch read {
        case .success(let read):
            object = read
        case .failure(let error):
            // The bucket takes only objects that decode: a damaged one stays for a person to look at.
            report(.kept, entry, events: nil, reason: "it does not read as a whole (\(error.message)); it stays here")
            return
        }
        let existing: SpoolObject?
        do {
            existing = try await bucket.get(object.key, in: object.state)
        } catch let error where error.code == .notFound {
            existing = nil
        } catch let error where error.isDamage {
            report(.kept, entry, events: object.events.count, reason: "the bucket holds a damaged object: \(error)")
            return
        } catch {
            throw SpoolAccess.failure(error, doing: "cannot read \(object.state)/\(object.key) in \(bucket.location)")
        }
        if let existing {
            // The same events: an earlier run created it and stopped before deleting it here. The bucket's
            // delivery records may be newer (a sweeper there tried them): they stay.
            guard existing.events.map(\.event) == object.events.map(\.event) else {
                report(.kept, entry, events: object.events.count, reason: "the bucket holds other events under its key")
                return
            }
            try await deleteFromDirectory(object, lease: lease)
            report(dryRun ? .wouldDelete : .alreadyMigrated, entry, events: object.events.count)
            counts.alreadyThere += 1
            return
        }
        guard !dryRun else {
            report(.wouldMigrate, entry, events: object.events.count)
            counts.migrated += 1
            counts.events += object.events.count
            return
        }
        do throws(SpoolError) {
            try lease?.check()
            try await create(object)
        } catch {
            throw SpoolAccess.failure(error, doing: "cannot write \(object.state)/\(object.key) to \(bucket.location)")
        }
        try await deleteFromDirectory(object, lease: lease)
        report(.migrated, entry, events: object.events.count)
        counts.migrated += 1
        counts.events += object.events.count
    }

    /// Writes `object` into the bucket under its key and state: the one place the migration writes there.
    /// `replace` creates the object when the key has none (docs/s3.md); the bucket was just found without it.
    private func create(_ object: SpoolObject) async throws(SpoolError) {
        try await bucket.replace(object)
    }

    /// Deletes `object` from the directory once the bucket holds it (nothing in a dry run).
    private func deleteFromDirectory(_ object: SpoolObject, lease: (any SpoolLease)?) async throws(CommandFailure) {
        guard !dryRun else { return }
        do throws(SpoolError) {
            try lease?.check()
            try await source.delete(object.key, in: object.state)
        } catch  where error.code == .notFound {
            return
        } catch {
            throw SpoolAccess.failure(error, doing: "cannot delete \(object.state)/\(object.key) from the directory")
        }
    }

    private mutating func report(
        _ action: MigrationLine.Action,
        _ entry: SpoolEntry,
        events: Int?,
        reason: String? = nil
    ) {
        if action == .kept { counts.kept += 1 }
        let line = MigrationLine(action: action, state: entry.state, key: entry.key, events: events, reason: reason)
        Output.line(json ? line.jsonLine() : line.text())
    }

    /// Says on standard error what moved, from where to where (the lines above are the data).
    func summarize() {
        let objects = { (count: Int) in "\(count) object\(count == 1 ? "" : "s")" }
        var text =
            "\(dryRun ? "would migrate" : "migrated") \(objects(counts.migrated)) (\(counts.events) "
            + "event\(counts.events == 1 ? "" : "s")) from \(source.location) to \(bucket.location)"
        if counts.alreadyThere > 0 {
            text += "; \(objects(counts.alreadyThere)) already in the bucket"
        }
        if counts.kept > 0 {
            text += "; \(objects(counts.kept)) stayed in the directory"
        }
        if dryRun {
            text += "; dry run: nothing was changed"
        }
        Output.error(text)
    }
}

/// One object `migrate` moved (or would move, or left), as `--json` writes it: `action` (`migrated`,
/// `wouldMigrate`, `alreadyMigrated` — the bucket held it from an earlier run, the directory's copy is deleted —,
/// `wouldDelete`, `kept`), `state`, `key`, `events` (null for an object that does not decode) and `reason` (why
/// it was kept; otherwise null).
struct MigrationLine: JSONFields {
    enum Action: String, Encodable {
        case migrated
        case wouldMigrate
        case alreadyMigrated
        case wouldDelete
        case kept

        /// The action in a text line.
        var text: String {
            switch self {
            case .migrated: "migrated"
            case .wouldMigrate: "would migrate"
            case .alreadyMigrated: "already in the bucket, deleted here:"
            case .wouldDelete: "already in the bucket, would delete here:"
            case .kept: "kept"
            }
        }
    }

    var action: Action
    var state: SpoolState
    var key: SpoolKey
    var events: Int?
    var reason: String?

    func text() -> String {
        "\(action.text) \(state)/\(key)" + (events.map { ": \($0) event\($0 == 1 ? "" : "s")" } ?? "")
            + (reason.map { ": \(EventDetail.shown($0))" } ?? "")
    }

    var jsonFields: [(String, (any Encodable)?)] {
        [
            ("action", action), ("state", state.rawValue), ("key", key.rawValue), ("events", events),
            ("reason", reason),
        ]
    }
}
