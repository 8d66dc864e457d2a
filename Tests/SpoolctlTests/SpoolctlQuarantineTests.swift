import EventSpool
import Foundation
import TestSupport
import Testing

/// Two damaged objects of one key — one in `dead/`, one in `pending/` — both reach `quarantine/`, under
/// `<key>.evs` and `<key>~2.evs`, and every command that reads `quarantine/` handles the second name.
@Suite("spoolctl quarantine")
struct SpoolctlQuarantineTests {
    @Test("verify --quarantine keeps two damaged objects of one key; list, show, purge and verify know both")
    func twoDamagedObjectsOfOneKey() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 1, into: spool.path)
            let pending = try #require(try objectFiles(in: spool).first)
            var bytes = try [UInt8](Data(contentsOf: pending))
            bytes[bytes.count - 3] ^= 0xFF
            try Data(bytes).write(to: pending)
            let key = pending.deletingPathExtension().lastPathComponent
            let relative = String(pending.path.dropFirst(spool.path.count + "/pending/".count))
            let dead = spool.appendingPathComponent("dead/" + relative)
            try FileManager.default.createDirectory(
                at: dead.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data(bytes).write(to: dead)

            let moved = try await BuiltExecutable.spoolctl("verify", "--quarantine", "--spool-dir", spool.path)
            #expect(moved.status == 1, "\(moved)")
            #expect(moved.stdout.contains("quarantined \(key)\n"), "\(moved)")
            #expect(moved.stdout.contains("quarantined \(key) as \(key)~2"), "\(moved)")
            let names = try objectFiles(in: spool.appendingPathComponent("quarantine")).map(\.lastPathComponent)
            #expect(names == ["\(key).evs", "\(key)~2.evs"])
            #expect(try objectFiles(in: spool.appendingPathComponent("pending")).isEmpty)
            #expect(try objectFiles(in: spool.appendingPathComponent("dead")).isEmpty)

            let listed = try await BuiltExecutable.spoolctl("list", "--quarantine", "--json", "--spool-dir", spool.path)
            #expect(listed.status == 0, "\(listed)")
            #expect(listed.stdout.contains(#""key":"\#(key)""#) && listed.stdout.contains(#""key":"\#(key)~2""#))
            // `show` dumps a quarantined object as far as it decodes (as postcat does).
            let shown = try await BuiltExecutable.spoolctl("show", "\(key)~2", "--spool-dir", spool.path)
            #expect(shown.status == 0 && shown.stdout.contains("object:         \(key)~2"), "\(shown)")
            #expect(shown.stdout.contains("decoded:        0 of 1 events"), "\(shown)")
            // `verify` reads quarantine/ only when asked; then both names are checked, and both are bad.
            let verified = try await BuiltExecutable.spoolctl("verify", "--spool-dir", spool.path)
            #expect(verified.status == 0 && verified.stdout.contains("checked 0 objects: 0 bad"), "\(verified)")
            let included = try await BuiltExecutable.spoolctl(
                "verify",
                "--include-quarantine",
                "--spool-dir",
                spool.path
            )
            #expect(included.status == 1 && included.stdout.contains("checked 2 objects: 2 bad"), "\(included)")
            #expect(included.stdout.contains("\(key)~2"), "\(included)")

            let purged = try await BuiltExecutable.spoolctl("purge", "--quarantine", "--yes", "--spool-dir", spool.path)
            #expect(purged.status == 0, "\(purged)")
            #expect(purged.stdout.contains("removed object \(key)\n"), "\(purged)")
            #expect(purged.stdout.contains("removed object \(key)~2"), "\(purged)")
            #expect(try objectFiles(in: spool.appendingPathComponent("quarantine")).isEmpty)
        }
    }
}
