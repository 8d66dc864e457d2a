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

/// Every exit status of every subcommand, as the README's table says, through the built binary: one row per
/// command and status, each against a fresh spool and a real broker on 127.0.0.1.
@Suite("spoolctl exit codes")
struct ExitCodeTests {
    /// One run of spoolctl and the status it must end with. In `arguments`, `$SPOOL` is the spool directory,
    /// `$BROKER` the broker's URL and `$DIR` the test's temporary directory.
    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var arguments: [String]
        var status: Int32
        /// Text standard error must hold.
        var stderr: String?
        /// What the broker answers every request with.
        var broker = 204
        var lockHeld = false
        /// Chown the spool to this user id first (the test runs as root).
        var ownedBy: UInt32?
        /// Damage one pending object first.
        var corrupt = false
        var environment: [String: String] = [:]
    }

    static let sendOptions = ["--spool-dir", "$SPOOL", "--broker-url", "$BROKER"]
    static let spoolOptions = ["--spool-dir", "$SPOOL"]
    static let publish = ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"]
    static let otherUser: UInt32 = 12345

    static let cases: [Case] = [
        // publish
        Case(description: "publish delivered", arguments: publish + sendOptions, status: 0),
        Case(description: "publish spooled", arguments: publish + sendOptions, status: 0, broker: 503),
        Case(
            description: "publish neither delivered nor spooled",
            arguments: publish + sendOptions,
            status: 1,
            stderr: "spool.maxBytes",
            broker: 503,
            environment: ["EVENTSPOOL_SPOOL_MAX_BYTES": "1"]
        ),
        Case(
            description: "publish without --type",
            arguments: ["publish", "--source", "/s"] + sendOptions,
            status: 64
        ),
        Case(
            description: "publish of an invalid event",
            arguments: publish + ["--id", "has space"] + sendOptions,
            status: 65
        ),
        Case(
            description: "publish of a missing --data-file",
            arguments: ["publish", "--type", "t", "--source", "/s", "--data-file", "$DIR/missing"] + sendOptions,
            status: 66,
            stderr: "$DIR/missing"
        ),
        Case(
            description: "publish into a spool that cannot be created",
            arguments: publish + ["--spool-dir", "$DIR/blocker/spool", "--broker-url", "$BROKER"],
            status: 73,
            stderr: "$DIR/blocker/spool"
        ),
        Case(
            description: "publish as root into another user's spool",
            arguments: publish + sendOptions,
            status: 77,
            ownedBy: otherUser
        ),
        Case(
            description: "publish with a zero broker.timeout",
            arguments: publish + sendOptions,
            status: 78,
            stderr: "broker.timeout",
            environment: ["EVENTSPOOL_BROKER_TIMEOUT": "0"]
        ),
        // list
        Case(description: "list", arguments: ["list"] + spoolOptions, status: 0),
        Case(
            description: "list --limit 0",
            arguments: ["list", "--limit", "0"] + spoolOptions,
            status: 64,
            stderr: "at least 1"
        ),
        Case(
            description: "list --limit -3",
            arguments: ["list", "--limit", "-3"] + spoolOptions,
            status: 64,
            stderr: "at least 1"
        ),
        Case(
            description: "list of no spool",
            arguments: ["list", "--spool-dir", "$DIR/typo"],
            status: 73,
            stderr: "no spool at $DIR/typo"
        ),
        Case(
            description: "list with a bad value in the environment",
            arguments: ["list"] + spoolOptions,
            status: 78,
            stderr: "EVENTSPOOL_SPOOL_MAX_BYTES",
            environment: ["EVENTSPOOL_SPOOL_MAX_BYTES": "lots"]
        ),
        // show
        Case(description: "show", arguments: ["show", "evt-alpha-1"] + spoolOptions, status: 0),
        Case(
            description: "show of an ambiguous prefix",
            arguments: ["show", "evt-alpha"] + spoolOptions,
            status: 64,
            stderr: "ambiguous"
        ),
        Case(
            description: "show of an unknown id",
            arguments: ["show", "evt-nothing"] + spoolOptions,
            status: 66,
            stderr: "evt-nothing"
        ),
        Case(
            description: "show of no spool",
            arguments: ["show", "evt-alpha-1", "--spool-dir", "$DIR/typo"],
            status: 73
        ),
        Case(
            description: "show --raw of a symbolic link in quarantine",
            arguments: ["show", SafeInspectionTests.plantedKey, "--raw"] + spoolOptions,
            status: 74,
            stderr: "symbolic link"
        ),
        // replay
        Case(description: "replay", arguments: ["replay", "evt-alpha-1"] + sendOptions, status: 0),
        Case(description: "replay failing", arguments: ["replay", "--all"] + sendOptions, status: 1, broker: 503),
        Case(description: "replay of nothing", arguments: ["replay"] + sendOptions, status: 64),
        Case(description: "replay of an unknown id", arguments: ["replay", "evt-nothing"] + sendOptions, status: 66),
        Case(
            description: "replay of a held event",
            arguments: ["replay", "evt-held-1"] + sendOptions,
            status: 66,
            stderr: "release it first"
        ),
        Case(
            description: "replay while a sweeper runs",
            arguments: ["replay", "--all"] + sendOptions,
            status: 75,
            lockHeld: true
        ),
        Case(
            description: "replay as root in another user's spool",
            arguments: ["replay", "--all"] + sendOptions,
            status: 77,
            ownedBy: otherUser
        ),
        // sweep
        Case(description: "sweep", arguments: ["sweep"] + sendOptions, status: 0),
        Case(
            description: "sweep while another sweeper runs",
            arguments: ["sweep"] + sendOptions,
            status: 0,
            lockHeld: true
        ),
        Case(description: "sweep giving events up", arguments: ["sweep"] + sendOptions, status: 1, broker: 400),
        Case(
            description: "sweep --max-time -5s",
            arguments: ["sweep", "--max-time", "-5s"] + sendOptions,
            status: 64,
            stderr: "not negative"
        ),
        Case(
            description: "sweep as root in another user's spool",
            arguments: ["sweep"] + sendOptions,
            status: 77,
            ownedBy: otherUser
        ),
        Case(
            description: "sweep with a zero broker.timeout",
            arguments: ["sweep"] + sendOptions,
            status: 78,
            stderr: "broker.timeout",
            environment: ["EVENTSPOOL_BROKER_TIMEOUT": "0"]
        ),
        // stats
        Case(description: "stats", arguments: ["stats"] + spoolOptions, status: 0),
        Case(description: "stats of no spool", arguments: ["stats", "--spool-dir", "$DIR/typo"], status: 73),
        // purge
        Case(description: "purge by id", arguments: ["purge", "evt-alpha-1", "--yes"] + spoolOptions, status: 0),
        Case(
            description: "purge without --yes",
            arguments: ["purge", "--dead"] + spoolOptions,
            status: 64,
            stderr: "--yes"
        ),
        Case(
            description: "purge of an ambiguous prefix",
            arguments: ["purge", "evt-alpha", "--yes"] + spoolOptions,
            status: 64
        ),
        Case(
            description: "purge of an unknown id",
            arguments: ["purge", "evt-nothing", "--yes"] + spoolOptions,
            status: 66
        ),
        Case(
            description: "purge while a sweeper runs",
            arguments: ["purge", "--dead", "--yes"] + spoolOptions,
            status: 75,
            lockHeld: true
        ),
        Case(
            description: "purge as root in another user's spool",
            arguments: ["purge", "--dead", "--yes"] + spoolOptions,
            status: 77,
            stderr: "sudo -u '#12345'",
            ownedBy: otherUser
        ),
        // requeue
        Case(description: "requeue", arguments: ["requeue", "evt-dead-1"] + spoolOptions, status: 0),
        Case(description: "requeue of nothing", arguments: ["requeue"] + spoolOptions, status: 64),
        Case(
            description: "requeue of a pending event",
            arguments: ["requeue", "evt-alpha-1"] + spoolOptions,
            status: 66,
            stderr: "only dead events"
        ),
        Case(
            description: "requeue while a sweeper runs",
            arguments: ["requeue", "--all"] + spoolOptions,
            status: 75,
            lockHeld: true
        ),
        Case(
            description: "requeue as root in another user's spool",
            arguments: ["requeue", "--all"] + spoolOptions,
            status: 77,
            ownedBy: otherUser
        ),
        // hold
        Case(description: "hold", arguments: ["hold", "evt-alpha-1"] + spoolOptions, status: 0),
        Case(description: "hold of nothing", arguments: ["hold"] + spoolOptions, status: 64),
        Case(description: "hold of a dead event", arguments: ["hold", "evt-dead-1"] + spoolOptions, status: 66),
        Case(
            description: "hold while a sweeper runs",
            arguments: ["hold", "--all"] + spoolOptions,
            status: 75,
            lockHeld: true
        ),
        Case(
            description: "hold as root in another user's spool",
            arguments: ["hold", "--all"] + spoolOptions,
            status: 77,
            ownedBy: otherUser
        ),
        // release
        Case(description: "release", arguments: ["release", "evt-held-1"] + spoolOptions, status: 0),
        Case(description: "release of nothing", arguments: ["release"] + spoolOptions, status: 64),
        Case(
            description: "release of a pending event",
            arguments: ["release", "evt-alpha-1"] + spoolOptions,
            status: 66
        ),
        Case(
            description: "release while a sweeper runs",
            arguments: ["release", "--all"] + spoolOptions,
            status: 75,
            lockHeld: true
        ),
        // verify
        Case(description: "verify", arguments: ["verify"] + spoolOptions, status: 0),
        Case(
            description: "verify finding a bad object",
            arguments: ["verify"] + spoolOptions,
            status: 1,
            corrupt: true
        ),
        Case(description: "verify of no spool", arguments: ["verify", "--spool-dir", "$DIR/typo"], status: 73),
        Case(
            description: "verify --quarantine while a sweeper runs",
            arguments: ["verify", "--quarantine"] + spoolOptions,
            status: 75,
            lockHeld: true
        ),
        Case(
            description: "verify --quarantine as root in another user's spool",
            arguments: ["verify", "--quarantine"] + spoolOptions,
            status: 77,
            ownedBy: otherUser
        ),
        // the tool itself
        Case(
            description: "an unknown subcommand",
            arguments: ["frobnicate"],
            status: 64,
            stderr: "unknown subcommand 'frobnicate'"
        ),
        Case(description: "an unknown flag", arguments: ["list", "--frobnicate"] + spoolOptions, status: 64),
    ]

    @Test("each command ends with the status the README gives", arguments: cases)
    func exitCode(_ testCase: Case) async throws {
        try await Self.check(testCase)
    }

    /// Runs `testCase` against a fresh scene and a broker, and checks its status and standard error.
    static func check(_ testCase: Case) async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            try await ExitCodeScene.make(in: directory, corrupt: testCase.corrupt)
            if let owner = testCase.ownedBy {
                try #require(ExitCodeScene.chown(spool, to: owner))
            }
            let lock = testCase.lockHeld ? try ExitCodeScene.holdLock(of: spool) : nil
            defer { if let lock { close(lock) } }
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.status(testCase.broker))
                func substituted(_ text: String) -> String {
                    text.replacingOccurrences(of: "$SPOOL", with: spool)
                        .replacingOccurrences(of: "$BROKER", with: broker.url)
                        .replacingOccurrences(of: "$DIR", with: directory.path)
                }
                let result = try await BuiltExecutable.run(
                    "spoolctl",
                    testCase.arguments.map(substituted),
                    environment: SpoolctlCommandTests.dueAtOnce.merging(testCase.environment) { $1 }
                )
                #expect(result.status == testCase.status, "\(testCase): \(result)")
                if let text = testCase.stderr {
                    #expect(result.stderr.contains(substituted(text)), "\(testCase): \(result)")
                }
            }
        }
    }
}

/// The spool every exit-code case starts from.
enum ExitCodeScene {
    /// A spool with pending `evt-alpha-1`, `evt-alpha-2`, `evt-beta-1`, dead `evt-dead-1`, held `evt-held-1`,
    /// and a symbolic link planted in `quarantine/`; and a regular file `blocker` beside it.
    static func make(in directory: URL, corrupt: Bool) async throws {
        let spool = directory.appendingPathComponent("spool").path
        try await SpoolFixture.put(
            objects: [
                [FixtureEvent(id: "evt-alpha-1")], [FixtureEvent(id: "evt-alpha-2")], [FixtureEvent(id: "evt-beta-1")],
            ],
            into: spool
        )
        try await SpoolFixture.put(
            objects: [[FixtureEvent(id: "evt-dead-1", deadReason: "permanent failure")]],
            into: spool,
            state: .dead
        )
        try await SpoolFixture.put(objects: [[FixtureEvent(id: "evt-held-1")]], into: spool, state: .held)
        try FileManager.default.createSymbolicLink(
            atPath: spool + "/quarantine/" + SafeInspectionTests.plantedKey + ".evs",
            withDestinationPath: "/etc/hostname"
        )
        _ = try write("not a directory", to: "blocker", in: directory)
        if corrupt, let victim = try objectFiles(in: URL(fileURLWithPath: spool + "/pending")).first {
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)
        }
    }

    /// Changes the owner of everything below `path` (without following links).
    static func chown(_ path: String, to user: UInt32) -> Bool {
        guard lchown(path, user, user) == 0 else { return false }
        guard let names = FileManager.default.enumerator(atPath: path) else { return false }
        for case let name as String in names where lchown(path + "/" + name, user, user) != 0 {
            return false
        }
        return true
    }

    /// Takes `sweeper.lock` as a running sweeper would; returns the descriptor to close.
    static func holdLock(of spool: String) throws -> Int32 {
        let descriptor = open(spool + "/sweeper.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0)
        try #require(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        return descriptor
    }
}
