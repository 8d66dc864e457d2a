import ArgumentParser
import EventSpool
import Logging

extension Spoolctl {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a spool directory's objects into the bucket of spool.backend s3, without loss.",
            discussion: """
                Copies every object of the spool directory (spool.directory, --spool-dir) into the bucket the \
                spool.s3.* keys name, under the same key and state (held/, pending/, dead/, quarantine/), and \
                only then deletes it from the directory. An object the bucket already holds with the same \
                events (a run stopped midway, run again) is deleted from the directory only; one it holds with \
                other events, and one that does not decode, stay in the directory and are listed. Holds the \
                directory's sweeper lock: exits 75 while a sweeper works on it. Prints one line per object \
                ('migrated <state>/<key>: <n> events'); --dry-run says what it would do and changes nothing. \
                With --json, one object per line: {"action", "state", "key", "events", "reason"}. Exits 1 \
                when an object stayed, 69 when the bucket does not answer.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Where to move the spool: s3 (the bucket of spool.s3.*).", valueName: "backend"))
        var to: MigrationTarget

        @Flag(help: "Only say what would be moved; change nothing.")
        var dryRun = false

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            guard configuration.objectStore != nil else {
                throw CommandFailure(
                    .configuration,
                    "migrate --to s3 moves the spool into a bucket: set spool.backend to s3, and spool.s3.endpoint "
                        + "and spool.s3.bucket (EVENTSPOOL_SPOOL_BACKEND, EVENTSPOOL_SPOOL_S3_ENDPOINT, …)"
                )
            }
            guard !configuration.directory.isEmpty else {
                throw CommandFailure(
                    .configuration,
                    "migrate --to s3 moves the spool directory into the bucket: name it with spool.directory or "
                        + "--spool-dir"
                )
            }
            var directoryConfiguration = configuration
            directoryConfiguration.objectStore = nil
            let source = try SpoolAccess.openDirectory(
                directoryConfiguration,
                for: dryRun ? .reading : .writing,
                logger: logger
            )
            let bucket: S3Spool
            do {
                bucket = try SpoolAccess.openBucket(configuration, logger: logger)
            } catch {
                await source.shutdown()
                throw error
            }
            var migration = SpoolMigration(source: source, bucket: bucket, dryRun: dryRun, json: global.json)
            let outcome: Result<Void, any Error>
            do {
                if dryRun {
                    try await migration.run(checking: nil)
                } else {
                    try await SpoolAccess.withSweeperLock(source, logger: logger) { lease in
                        try await migration.run(checking: lease)
                    }
                }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            // Also after a failure: what moved before it did.
            migration.summarize()
            await bucket.shutdown()
            await source.shutdown()
            try outcome.get()
            if migration.counts.kept > 0 {
                // Each was named above; what stayed needs a person.
                throw CommandFailure(.attention, "", isReportedInJSON: true)
            }
        }
    }
}

/// Where `migrate` moves a spool.
enum MigrationTarget: String, ExpressibleByArgument, CaseIterable {
    /// The S3-compatible bucket of `spool.backend: s3`.
    case s3
}
