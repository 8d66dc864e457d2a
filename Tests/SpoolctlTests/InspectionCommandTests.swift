import EventSpool
import Foundation
import TestSupport
import Testing

/// `verify`, `show`, `stats` and `list` on a spool made with the library, through the built binary.
@Suite("spoolctl inspection commands")
struct InspectionCommandTests {
    @Test("verify finds a corrupted object (exit 1) and --quarantine moves it")
    func verify() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 2, into: spool.path)
            let healthy = try await BuiltExecutable.spoolctl("verify", "--spool-dir", spool.path)
            #expect(healthy.status == 0, "\(healthy)")
            #expect(healthy.stdout.contains("checked 2 objects: 0 bad"), "\(healthy)")

            let victim = try #require(try objectFiles(in: spool).first)
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 3] ^= 0xFF
            try Data(bytes).write(to: victim)
            let key = victim.deletingPathExtension().lastPathComponent

            let found = try await BuiltExecutable.spoolctl("verify", "--spool-dir", spool.path)
            #expect(found.status == 1, "\(found)")
            #expect(found.stdout.contains("bad pending/\(key)"), "\(found)")
            #expect(FileManager.default.fileExists(atPath: victim.path))

            let quarantined = try await BuiltExecutable.spoolctl("verify", "--quarantine", "--spool-dir", spool.path)
            #expect(quarantined.status == 1, "\(quarantined)")
            #expect(quarantined.stdout.contains("quarantined \(key)"), "\(quarantined)")
            #expect(!FileManager.default.fileExists(atPath: victim.path))
            let files = try objectFiles(in: spool.appendingPathComponent("quarantine"))
            #expect(files.map { $0.deletingPathExtension().lastPathComponent } == [key])

            let after = try await BuiltExecutable.spoolctl("verify", "--spool-dir", spool.path)
            #expect(after.status == 0, "\(after)")

            // The quarantined object is listed as unreadable, and can be purged.
            let listed = try await BuiltExecutable.spoolctl("list", "--quarantine", "--json", "--spool-dir", spool.path)
            #expect(listed.status == 0, "\(listed)")
            #expect(listed.stdout.contains(#""key":"\#(key)""#), "\(listed)")
            #expect(listed.stdout.contains(#""id":null"#), "\(listed)")
            let purged = try await BuiltExecutable.spoolctl("purge", "--quarantine", "--yes", "--spool-dir", spool.path)
            #expect(purged.status == 0, "\(purged)")
            #expect(purged.stdout.contains("removed object \(key)"), "\(purged)")
            #expect(try objectFiles(in: spool.appendingPathComponent("quarantine")).isEmpty)
        }
    }

    @Test("show prints the attributes and history; --body the raw body alone")
    func show() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            let ids = try await SpoolFixture.put(events: 1, into: spool.path, body: [0x00, 0xFF, 0x0A, 0x41])
            let id = try #require(ids.first)

            let shown = try await BuiltExecutable.spoolctl("show", id, "--spool-dir", spool.path)
            #expect(shown.status == 0, "\(shown)")
            #expect(shown.stdout.contains(id), "\(shown)")
            #expect(shown.stdout.contains("com.example.fixture"), "\(shown)")
            #expect(shown.stdout.contains("HTTP 503"), "\(shown)")

            let body = try await BuiltExecutable.spoolctl("show", id, "--body", "--spool-dir", spool.path)
            #expect(body.status == 0, "\(body)")
            #expect(body.stdoutBytes == [0x00, 0xFF, 0x0A, 0x41])

            let key = try #require(try objectFiles(in: spool).first).deletingPathExtension().lastPathComponent
            let byKey = try await BuiltExecutable.spoolctl("show", key, "--json", "--spool-dir", spool.path)
            #expect(byKey.status == 0, "\(byKey)")
            #expect(byKey.stdout.contains(#""id":"\#(id)""#), "\(byKey)")

            let missing = try await BuiltExecutable.spoolctl("show", "no-such-event", "--spool-dir", spool.path)
            #expect(missing.status == 66, "\(missing)")
            #expect(missing.stderr.contains("no-such-event"), "\(missing)")
        }
    }

    @Test("stats counts events per state and type")
    func stats() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 3, into: spool.path)
            try await SpoolFixture.put(events: 1, into: spool.path, state: .dead)
            let text = try await BuiltExecutable.spoolctl("stats", "--spool-dir", spool.path)
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("com.example.fixture"), "\(text)")

            let json = try await BuiltExecutable.spoolctl("stats", "--json", "--spool-dir", spool.path)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            )
            let states = try #require(document["states"] as? [[String: Any]])
            let counts = Dictionary(
                uniqueKeysWithValues: states.map {
                    ($0["state"] as? String ?? "", ($0["total"] as? [String: Any])?["events"] as? Int)
                }
            )
            #expect(counts == ["pending": 3, "held": 0, "dead": 1, "quarantine": 0])
        }
    }

    @Test("list filters by type and stops at --limit")
    func listFilters() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 5, into: spool.path)
            let limited = try await BuiltExecutable.spoolctl(
                "list",
                "--json",
                "--limit",
                "2",
                "--spool-dir",
                spool.path
            )
            #expect(limited.stdout.split(separator: "\n").count == 2, "\(limited)")
            let otherType = try await BuiltExecutable.spoolctl(
                "list",
                "--type",
                "com.example.other",
                "--spool-dir",
                spool.path
            )
            #expect(otherType.stdout.contains("-- 0 events"), "\(otherType)")
            let text = try await BuiltExecutable.spoolctl("list", "--spool-dir", spool.path)
            #expect(text.stdout.contains("-- 5 events in 5 objects"), "\(text)")
        }
    }
}
