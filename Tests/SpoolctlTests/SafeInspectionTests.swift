import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `list`, `show`, `stats` and `verify` only look: they create and change nothing, a mistyped spool is an
/// error, and root reads a spool the service's user owns while commands that write tell root whom to run as.
@Suite("spoolctl safe inspection")
struct SafeInspectionTests {
    /// A valid key for an entry planted in `quarantine/`.
    static let plantedKey = "20260101T000000.000000Z-00000001-00000002-00000003"

    /// Every way to look at a spool without changing it.
    static let inspections: [[String]] = [
        ["list"], ["list", "--all"], ["list", "--all", "--json"], ["show", "evt-dead-1"],
        ["show", "evt-dead-1", "--raw"],
        ["show", plantedKey], ["stats"], ["stats", "--json"], ["verify"], ["verify", "--include-quarantine"],
    ]

    @Test("a mistyped --spool-dir is 73 'no spool at …', and nothing is created")
    func mistypedSpool() async throws {
        try await withTemporaryDirectory { directory in
            let typo = directory.appendingPathComponent("spoool").path
            for command in Self.inspections where !command.contains("--raw") {
                let result = try await BuiltExecutable.run("spoolctl", command + ["--spool-dir", typo])
                #expect(result.status == 73, "\(command): \(result)")
                #expect(result.stderr.contains("no spool at \(typo)"), "\(command): \(result)")
                #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
            }
            // A folder that exists but holds no spool is no spool either.
            let empty = directory.appendingPathComponent("empty")
            try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: false)
            let result = try await BuiltExecutable.spoolctl("stats", "--spool-dir", empty.path)
            #expect(result.status == 73 && result.stderr.contains("no pending/ folder"), "\(result)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: empty.path).isEmpty)
        }
    }

    @Test("inspecting changes nothing: no lock file, no folder, no clean-up of tmp/")
    func inspectionChangesNothing() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: true)
            let spool = directory.appendingPathComponent("spool").path
            // A leftover of a writer that is gone, old enough that any open for writing removes it.
            let leftover = spool + "/tmp/20260101T000000.000000Z-7ffffff0-00000002-00000003.tmp"
            try Data("half an object".utf8).write(to: URL(fileURLWithPath: leftover))
            let old = Date(timeIntervalSinceNow: -86_400 * 2)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: leftover)
            let before = try spoolTree(of: spool)
            for command in Self.inspections {
                let result = try await BuiltExecutable.run("spoolctl", command + ["--spool-dir", spool])
                #expect([0, 1].contains(result.status), "\(command): \(result)")
                #expect(try spoolTree(of: spool) == before, "\(command) changed the spool: \(result)")
            }
            #expect(!FileManager.default.fileExists(atPath: spool + "/sweeper.lock"))
            #expect(FileManager.default.fileExists(atPath: leftover))
        }
    }

    @Test(
        "root reads a spool the service's user owns; commands that write say to run them as that user (77)",
        .enabled(if: geteuid() == 0, "needs root to own files as another user")
    )
    func rootInspectsAnotherUsersSpool() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = directory.appendingPathComponent("spool").path
            try #require(ExitCodeScene.chown(spool, to: ExitCodeTests.otherUser))
            let before = try spoolTree(of: spool)

            let listed = try await BuiltExecutable.spoolctl("list", "--all", "--spool-dir", spool)
            #expect(listed.status == 0, "\(listed)")
            #expect(listed.stdout.contains("evt-alpha-1") && listed.stdout.contains("evt-held-1"), "\(listed)")
            let shown = try await BuiltExecutable.spoolctl("show", "evt-dead-1", "--spool-dir", spool)
            #expect(shown.status == 0 && shown.stdout.contains("evt-dead-1"), "\(shown)")
            let stats = try await BuiltExecutable.spoolctl("stats", "--spool-dir", spool)
            #expect(stats.status == 0, "\(stats)")
            let verified = try await BuiltExecutable.spoolctl("verify", "--spool-dir", spool)
            #expect(verified.status == 0, "\(verified)")

            let writing: [[String]] = [
                ["purge", "--dead", "--yes"], ["hold", "--all"], ["release", "--all"], ["requeue", "--all"],
                ["verify", "--quarantine"], ["sweep", "--broker-url", "http://127.0.0.1:9/events"],
                ["replay", "--all", "--broker-url", "http://127.0.0.1:9/events"],
                ["publish", "--type", "t", "--source", "/s", "--data", "{}", "--broker-url", "http://127.0.0.1:9/e"],
            ]
            for command in writing {
                let result = try await BuiltExecutable.run("spoolctl", command + ["--spool-dir", spool])
                #expect(result.status == 77, "\(command): \(result)")
                #expect(result.stderr.contains("run this as its owner: sudo -u '#12345'"), "\(command): \(result)")
                #expect(!result.stderr.contains("allowUnsafePermissions"), "\(command): \(result)")
            }
            #expect(try spoolTree(of: spool) == before, "a command changed the spool")
        }
    }

    @Test(
        "a user who may not read the spool is told whose it is (77)",
        .enabled(if: BuiltExecutable.canRunAsOtherUsers, "needs root and setpriv")
    )
    func unreadableSpool() async throws {
        try await withTemporaryDirectory { directory in
            try await ExitCodeScene.make(in: directory, corrupt: false)
            let spool = directory.appendingPathComponent("spool").path
            let result = try await BuiltExecutable.run("spoolctl", ["list", "--spool-dir", spool], user: 65534)
            #expect(result.status == 77, "\(result)")
            #expect(result.stderr.contains("permission denied") && result.stderr.contains("sudo -u root"), "\(result)")
        }
    }

    @Test(
        "a sweep whose listing fails never reports 'remaining 0': it says the count is unknown",
        .enabled(if: BuiltExecutable.canRunAsOtherUsers, "needs root and setpriv")
    )
    func remainingUnknownWhenListingFails() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(events: 3, into: spool)
            // What following the old hint (root sweeping with allowUnsafePermissions) left behind: the spool
            // belongs to the service's user, but a dated folder in it to root.
            let nobody: UInt32 = 65534
            try #require(ExitCodeScene.chown(spool, to: nobody))
            let year = try #require(try FileManager.default.contentsOfDirectory(atPath: spool + "/pending").first)
            #expect(lchown(spool + "/pending/" + year, 0, 0) == 0 && chmod(spool + "/pending/" + year, 0o700) == 0)
            let broker = ["--broker-url", "http://127.0.0.1:9/events", "--spool-dir", spool]

            let text = try await BuiltExecutable.run("spoolctl", ["sweep"] + broker, user: nobody)
            #expect(text.status == 1, "\(text)")
            #expect(text.stdout.contains("remaining unknown"), "\(text)")
            #expect(!text.stdout.contains("remaining 0"), "\(text)")
            #expect(text.stdout.contains("Spool error: listing pending/ failed"), "\(text)")

            let json = try await BuiltExecutable.run("spoolctl", ["sweep", "--json"] + broker, user: nobody)
            let report = try jsonObject(json.stdout)
            #expect(report["remaining"] is NSNull, "\(json)")
            #expect(report["failure"] is String, "\(json)")
        }
    }

    @Test("a dead event's reason and last error are shown once, and it has no next attempt")
    func deadLetterText() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await SpoolFixture.put(objects: [[FixtureEvent(id: "evt-rejected", lastError: nil)]], into: spool)
            // A reason as versions before 1.1 wrote it, quoting the last error.
            try await SpoolFixture.put(
                objects: [
                    [
                        FixtureEvent(
                            id: "evt-old-reason",
                            lastError: AttemptError(status: 422, message: "HTTP 422: missing field"),
                            deadReason: "permanent failure: HTTP 422: missing field"
                        )
                    ]
                ],
                into: spool,
                state: .dead
            )
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(400, body: "bad schema"))
                let swept = try await BuiltExecutable.spoolctl(
                    "sweep",
                    "--spool-dir",
                    spool,
                    "--broker-url",
                    broker.url
                )
                #expect(swept.status == 1, "\(swept)")
                #expect(swept.stdout.components(separatedBy: "bad schema").count == 2, "\(swept)")
            }
            let listed = try await BuiltExecutable.spoolctl("list", "--dead", "--spool-dir", spool)
            for line in listed.stdout.split(separator: "\n") where line.contains("evt-") {
                for message in ["bad schema", "missing field"] where line.contains(message) {
                    #expect(line.components(separatedBy: message).count == 2, "repeated: \(line)")
                }
            }
            #expect(listed.stdout.contains("permanent failure; HTTP 400 from "), "\(listed)")

            for id in ["evt-rejected", "evt-old-reason"] {
                let shown = try await BuiltExecutable.spoolctl("show", id, "--spool-dir", spool)
                #expect(shown.status == 0, "\(shown)")
                #expect(!shown.stdout.contains("next attempt"), "\(shown)")
                for message in ["bad schema", "missing field"] where shown.stdout.contains(message) {
                    // Once in the reason or last error, once in the history.
                    #expect(shown.stdout.components(separatedBy: message).count == 3, "repeated: \(shown)")
                }
                let json = try await BuiltExecutable.spoolctl("show", id, "--json", "--spool-dir", spool)
                let detail = try jsonObject(json.stdout)
                #expect(detail["nextAttemptAt"] is NSNull, "\(json)")
                #expect(detail["deadReason"] is String, "\(json)")
            }
        }
    }

    @Test("show dumps what decodes of a quarantined object, and --raw writes its bytes (as postcat)")
    func showQuarantined() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(
                objects: [[FixtureEvent(id: "evt-kept"), FixtureEvent(id: "evt-torn")]],
                into: spool.path
            )
            let victim = try #require(try objectFiles(in: spool).first)
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 2] ^= 0xFF
            try Data(bytes).write(to: victim)
            let quarantined = try await BuiltExecutable.spoolctl("verify", "--quarantine", "--spool-dir", spool.path)
            #expect(quarantined.status == 1, "\(quarantined)")
            // Found by a prefix of its file name: how quarantine names a file is not this test's business.
            let file = try #require(try objectFiles(in: spool.appendingPathComponent("quarantine")).first)
            let prefix = String(file.lastPathComponent.prefix(30))

            let shown = try await BuiltExecutable.spoolctl("show", prefix, "--spool-dir", spool.path)
            #expect(shown.status == 0, "\(shown)")
            for text in ["state:          quarantine", "decoded:        1 of 2 events", "record 2 of 2", "evt-kept"] {
                #expect(shown.stdout.contains(text), "\(text) missing: \(shown)")
            }
            #expect(!shown.stdout.contains("evt-torn"), "\(shown)")

            let raw = try await BuiltExecutable.spoolctl("show", prefix, "--raw", "--spool-dir", spool.path)
            #expect(raw.status == 0 && raw.stdoutBytes == bytes, "\(raw.status) \(raw.stderr)")

            let json = try await BuiltExecutable.spoolctl("show", prefix, "--json", "--spool-dir", spool.path)
            let report = try jsonObject(json.stdout)
            #expect(report["state"] as? String == "quarantine")
            #expect((report["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["evt-kept"])
            #expect((report["problems"] as? [String])?.first?.contains("checksum") == true, "\(json)")
            #expect((report["header"] as? [String: Any])?["eventCount"] as? Int == 2, "\(json)")

            // A planted symbolic link is shown for what it is, never followed.
            try FileManager.default.createSymbolicLink(
                atPath: spool.path + "/quarantine/\(Self.plantedKey).evs",
                withDestinationPath: "/etc/hostname"
            )
            let link = try await BuiltExecutable.spoolctl("show", Self.plantedKey, "--spool-dir", spool.path)
            #expect(link.status == 0 && link.stdout.contains("symbolic link"), "\(link)")
        }
    }
}
