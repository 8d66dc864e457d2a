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

    @Test("purge --quarantine removes every entry it can — an empty folder too — and names what it leaves")
    func purgeMeetsFoldersInQuarantine() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 1, into: spool.path)
            let object = try #require(try objectFiles(in: spool).first)
            let key = object.deletingPathExtension().lastPathComponent
            let folder = object.deletingLastPathComponent()
            // Named like objects of the same minute: an empty folder, a folder with a file in it, garbage.
            let names = ["0000000a", "0000000b", "0000000c"].map { String(key.dropLast(8)) + $0 }
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(names[0] + ".evs"),
                withIntermediateDirectories: false
            )
            let full = folder.appendingPathComponent(names[1] + ".evs")
            try FileManager.default.createDirectory(at: full, withIntermediateDirectories: false)
            _ = try write("someone's notes", to: "notes.txt", in: full)
            _ = try write("garbage", to: names[2] + ".evs", in: folder)
            let moved = try await BuiltExecutable.spoolctl("verify", "--quarantine", "--spool-dir", spool.path)
            #expect(moved.status == 1 && moved.stdout.contains("checked 4 objects: 3 bad"), "\(moved)")

            let purged = try await BuiltExecutable.spoolctl("purge", "--quarantine", "--yes", "--spool-dir", spool.path)
            #expect(purged.status == 1, "\(purged)")
            #expect(purged.stdout.contains("removed object \(names[0])\n"), "\(purged)")
            #expect(purged.stdout.contains("removed object \(names[2])\n"), "\(purged)")
            let left = spool.path + "/quarantine/" + names[1] + ".evs"
            #expect(purged.stderr.contains("left \(left)"), "\(purged)")
            #expect(purged.stderr.contains("rm -r"), "\(purged)")
            let quarantined = try FileManager.default.contentsOfDirectory(atPath: spool.path + "/quarantine")
            #expect(quarantined == [names[1] + ".evs"])
            #expect(
                try objectFiles(in: spool.appendingPathComponent("pending")).map(\.lastPathComponent) == [
                    key + ".evs"
                ]
            )
        }
    }
}
