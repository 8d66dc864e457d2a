import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

/// `spoolctl migrate --to s3` against a real SeaweedFS: every object of the spool directory ends up in the bucket
/// under its key and state, and leaves the directory only once the bucket holds it; run again after a crash, it
/// finishes the job without a copy too many; nothing in the bucket is ever overwritten.
@Suite("spoolctl migrate")
struct MigrateCommandTests {
    /// The fields of each `migrate --json` line.
    static let lineFields: Set = ["action", "state", "key", "events", "reason"]

    /// The directory's keys in `state`, in key order.
    private func directoryKeys(_ directory: String, _ state: SpoolState) async throws -> [String] {
        let spool = try DirectorySpool.openForReading(
            configuration: SpoolConfiguration(directory: directory),
            logger: SpoolFixture.logger
        )
        var keys: [String] = []
        for try await entry in spool.list(state) { keys.append(entry.key.rawValue) }
        await spool.shutdown()
        return keys
    }

    @Test("migrate moves held, pending and dead objects into the bucket under their keys; --dry-run changes nothing")
    func movesEveryObject() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            let pending = try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-m1")], [FixtureEvent(id: "evt-m2"), FixtureEvent(id: "evt-m3")]],
                into: scene.directory
            )
            let dead = try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-mdead", deadReason: "HTTP 400")]],
                into: scene.directory,
                state: .dead
            )
            let held = try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-mheld")]],
                into: scene.directory,
                state: .held
            )
            let directoryBytes = try objectFiles(in: URL(fileURLWithPath: scene.directory)).map {
                try [UInt8](Data(contentsOf: $0))
            }

            let dryRun = try await scene.spoolctl(["migrate", "--to", "s3", "--dry-run", "--json"])
            #expect(dryRun.status == 0, "\(dryRun)")
            let planned = try jsonObjects(dryRun.stdout)
            #expect(planned.allSatisfy { Set($0.keys) == Self.lineFields }, "\(dryRun)")
            #expect(planned.map { $0["action"] as? String } == Array(repeating: "wouldMigrate", count: 4), "\(dryRun)")
            #expect(planned.compactMap { $0["key"] as? String } == held + pending + dead, "held/ first: \(dryRun)")
            #expect(dryRun.stderr.contains("would migrate 4 objects (5 events)"), "\(dryRun)")
            #expect(try await scene.keys(in: .pending).isEmpty, "a dry run writes nothing")
            #expect(try await directoryKeys(scene.directory, .pending) == pending)

            let migrated = try await scene.spoolctl(["migrate", "--to", "s3", "--json"])
            #expect(migrated.status == 0, "\(migrated)")
            let lines = try jsonObjects(migrated.stdout)
            #expect(lines.map { $0["action"] as? String } == Array(repeating: "migrated", count: 4), "\(migrated)")
            #expect(lines.compactMap { $0["events"] as? Int } == [1, 1, 2, 1], "\(migrated)")
            #expect(migrated.stderr.contains("migrated 4 objects (5 events)"), "\(migrated)")
            #expect(migrated.stderr.contains(scene.location), "\(migrated)")

            #expect(try await scene.keys(in: .pending) == pending)
            #expect(try await scene.keys(in: .dead) == dead)
            #expect(try await scene.keys(in: .held) == held)
            for state in SpoolState.allCases {
                #expect(try await directoryKeys(scene.directory, state).isEmpty, "\(state)/ is empty")
            }
            // The same bytes, object for object: the events and their delivery records.
            var bucketBytes: [[UInt8]] = []
            for (keys, state) in [(pending, SpoolState.pending), (dead, .dead), (held, .held)] {
                for key in keys { bucketBytes.append(try #require(try await scene.bytes(of: key, in: state))) }
            }
            #expect(Set(bucketBytes) == Set(directoryBytes))

            let list = try await scene.spoolctl(["list", "--all", "--json"])
            #expect(Set(try jsonObjects(list.stdout).compactMap { $0["id"] as? String }).count == 5, "\(list)")
        }
    }

    @Test("run again after a crash: what the bucket already holds is deleted here only; other events under a key stay")
    func runAgainAfterACrash() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            let keys = try await SpoolFixture.put(
                objects: [
                    [FixtureEvent(id: "evt-copied")], [FixtureEvent(id: "evt-clash")], [FixtureEvent(id: "evt-new")],
                ],
                into: scene.directory
            )
            // A run that stopped after creating the first object in the bucket; and an object of other events
            // under the second key.
            let directory = try DirectorySpool(
                configuration: SpoolConfiguration(directory: scene.directory),
                logger: SpoolFixture.logger
            )
            let copied = try await directory.get(try #require(SpoolKey(keys[0])), in: .pending)
            await directory.shutdown()
            let stranger = FixtureEvent(id: "evt-stranger").spooled
            try await scene.withSpool { spool in
                try await spool.replace(copied)
                try await spool.replace(
                    SpoolObject(key: try #require(SpoolKey(keys[1])), state: .pending, events: [stranger])
                )
            }
            let dryRun = try await scene.spoolctl(["migrate", "--to", "s3", "--dry-run", "--json"])
            #expect(
                try jsonObjects(dryRun.stdout).map { $0["action"] as? String } == [
                    "wouldDelete", "kept", "wouldMigrate",
                ],
                "\(dryRun)"
            )
            #expect(try await directoryKeys(scene.directory, .pending) == keys)

            let migrated = try await scene.spoolctl(["migrate", "--to", "s3", "--json"])
            #expect(migrated.status == 1, "an object stayed: \(migrated)")
            let lines = try jsonObjects(migrated.stdout)
            #expect(lines.map { $0["action"] as? String } == ["alreadyMigrated", "kept", "migrated"], "\(migrated)")
            let kept = lines.first { $0["action"] as? String == "kept" }
            #expect((kept?["reason"] as? String)?.contains("other events") == true, "\(migrated)")
            #expect(!lines.contains { $0["error"] != nil }, "status 1 has no error line: \(migrated)")
            #expect(try await directoryKeys(scene.directory, .pending) == [keys[1]], "only the clash stays")
            #expect(try await scene.keys(in: .pending) == keys)
            // The bucket's object under the clashing key is the stranger's still.
            let clash = try await scene.withSpool { try await $0.get(try #require(SpoolKey(keys[1])), in: .pending) }
            #expect(clash.events.map(\.event.id) == ["evt-stranger"])
        }
    }

    @Test("an object that does not decode stays in the directory, named; the rest moves (exit 1)")
    func damagedObjectStays() async throws {
        try await withTemporaryDirectory { folder in
            let scene = try await BucketScene.make(in: folder)
            let keys = try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-whole")], [FixtureEvent(id: "evt-torn")]],
                into: scene.directory
            )
            let victim = URL(
                fileURLWithPath: try #require(try objectFiles(in: URL(fileURLWithPath: scene.directory)).last?.path)
            )
            #expect(victim.lastPathComponent == keys[1] + ".evs")
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)

            let migrated = try await scene.spoolctl(["migrate", "--to", "s3"])
            #expect(migrated.status == 1, "\(migrated)")
            #expect(migrated.stdout.contains("migrated pending/\(keys[0])"), "\(migrated)")
            #expect(migrated.stdout.contains("kept pending/\(keys[1])"), "\(migrated)")
            #expect(try await scene.keys(in: .pending) == [keys[0]])
            #expect(try await directoryKeys(scene.directory, .pending) == [keys[1]])
        }
    }
}
