import EventSpoolTesting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an adversary or a slip of the keyboard puts into the configuration: absurd durations, a `--config` that is
/// a FIFO, a device or a gigabyte, a misspelt key, a warning that is not deserved.
@Suite("spoolctl configuration input")
struct ConfigurationInputTests {
    static let broker = ["--broker-url", "http://127.0.0.1:9/events"]
    static let sendingCommands: [[String]] = [
        ["sweep"] + broker,
        ["replay", "--all"] + broker,
        ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"] + broker,
    ]

    @Test("a broker timeout too long to count is exit 78 naming the key and the range, not a crash")
    func hugeBrokerTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await SpoolFixture.put(events: 1, into: spool)
            let file = try write(#"{"broker": {"connectTimeout": "106751991167300d"}}"#, to: "c.json", in: directory)
            for command in Self.sendingCommands {
                let fromEnvironment = try await BuiltExecutable.run(
                    "spoolctl",
                    command + ["--spool-dir", spool, "--json"],
                    environment: ["EVENTSPOOL_BROKER_TIMEOUT": "99999999999999d"]
                )
                #expect(fromEnvironment.status == 78, "\(command): \(fromEnvironment)")
                #expect(fromEnvironment.stderr.contains("'broker.timeout'"), "\(command): \(fromEnvironment)")
                #expect(fromEnvironment.stderr.contains("EVENTSPOOL_BROKER_TIMEOUT"), "\(command): \(fromEnvironment)")
                #expect(fromEnvironment.stderr.contains("to 1d"), "\(command): \(fromEnvironment)")
                #expect(fromEnvironment.stdout.contains(#""status":78"#), "\(command): \(fromEnvironment)")

                let fromFile = try await BuiltExecutable.run(
                    "spoolctl",
                    command + ["--spool-dir", spool, "--config", file]
                )
                #expect(fromFile.status == 78, "\(command): \(fromFile)")
                #expect(fromFile.stderr.contains("'broker.connectTimeout'"), "\(command): \(fromFile)")
                #expect(fromFile.stderr.contains(file), "\(command): \(fromFile)")
            }
        }
    }

    @Test(
        "an alert threshold out of range says what is allowed (64), never 'Missing value'",
        arguments: [
            ("--alert-oldest", "-1m", "not negative"),
            ("--alert-oldest", "99999999999999999999999s", "to 36500d"),
            ("--alert-pending-objects", "2", "from 0 to 1"),
            ("--alert-pending-objects", "-0.1", "from 0 to 1"),
            ("--alert-pending-bytes", "-0.5", "from 0 to 1"),
            ("--alert-pending-bytes", "nan", "from 0 to 1"),
        ]
    )
    func alertThresholdOutOfRange(_ option: String, _ value: String, _ words: String) async throws {
        try await withTemporaryDirectory { directory in
            let result = try await BuiltExecutable.run(
                "spoolctl",
                ["sweep", option, value, "--spool-dir", directory.path + "/spool"] + Self.broker
            )
            #expect(result.status == 64, "\(result)")
            #expect(!result.stderr.contains("Missing value"), "\(result)")
            #expect(result.stderr.contains(option), "\(result)")
            #expect(result.stderr.contains(words), "\(result)")
        }
    }

    @Test("--config at a FIFO or a device is 'not a regular file' (78), read without waiting for a writer")
    func configNotARegularFile() async throws {
        try await withTemporaryDirectory { directory in
            let fifo = directory.path + "/fifo.json"
            #expect(mkfifo(fifo, 0o600) == 0)
            for (path, kind) in [(fifo, "a FIFO"), ("/dev/null", "a device"), ("/dev/zero", "a device")] {
                let result = try await BuiltExecutable.spoolctl("list", "--config", path, "--spool-dir", directory.path)
                #expect(result.status == 78, "\(path): \(result)")
                #expect(result.stderr.contains(path), "\(path): \(result)")
                #expect(result.stderr.contains("\(kind), not a regular file"), "\(path): \(result)")
            }
        }
    }

    @Test("a --config file larger than the limit is refused (78) without being read whole")
    func hugeConfigFile() async throws {
        try await withTemporaryDirectory { directory in
            // Sparse: 8 GiB of file, no disk.
            let path = directory.path + "/huge.json"
            #expect(FileManager.default.createFile(atPath: path, contents: Data("{".utf8)))
            #expect(truncate(path, 8 << 30) == 0)
            let result = try await BuiltExecutable.spoolctl("list", "--config", path, "--spool-dir", directory.path)
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains(path), "\(result)")
            #expect(result.stderr.contains("larger than 1 MiB"), "\(result)")
        }
    }

    @Test(
        "a misspelt key in the file names the key it likely means (78)",
        arguments: [
            (#"{"brokr": {"url": "http://127.0.0.1:9/"}}"#, "'brokr'", "'broker'"),
            (#"{"spool": {"dir": "/tmp/x"}}"#, "'spool.dir'", "'spool.directory'"),
            (#"{"broker": {"timout": "5s"}}"#, "'broker.timout'", "'broker.timeout'"),
            (#"{"sweeper": {"alert": {"oldest": "1h"}}}"#, "'sweeper.alert.oldest'", "'sweeper.alert.oldestPending'"),
        ]
    )
    func misspeltKeyInFile(_ json: String, _ key: String, _ meant: String) async throws {
        try await withTemporaryDirectory { directory in
            let file = try write(json, to: "c.json", in: directory)
            let result = try await BuiltExecutable.spoolctl("list", "--config", file, "--spool-dir", directory.path)
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("unknown configuration key \(key)"), "\(result)")
            #expect(result.stderr.contains("did you mean \(meant)?"), "\(result)")
        }
    }

    @Test(
        "a misspelt EVENTSPOOL_ variable is warned about with the variable it likely means",
        arguments: [
            ("EVENTSPOOL_SPOOL_DIR", "EVENTSPOOL_SPOOL_DIRECTORY"),
            ("EVENTSPOOL_SWEEPER_ALERT_OLDEST", "EVENTSPOOL_SWEEPER_ALERT_OLDEST_PENDING"),
            ("EVENTSPOOL_BROKR_URL", "EVENTSPOOL_BROKER_URL"),
        ]
    )
    func misspeltVariable(_ name: String, _ meant: String) async throws {
        try await withTemporaryDirectory { directory in
            try await SpoolFixture.put(events: 1, into: directory.path + "/spool")
            let result = try await BuiltExecutable.spoolctl(
                "stats",
                "--spool-dir",
                directory.path + "/spool",
                environment: [name: "1h"]
            )
            #expect(result.status == 0, "\(result)")
            #expect(
                result.stderr.contains("unknown environment variable \(name) (did you mean \(meant)?)"),
                "\(result)"
            )
        }
    }

    @Test("a configuration file whose secret keys are empty earns no 'holds secrets' warning, whatever its mode")
    func emptySecretsAreNoSecrets() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await SpoolFixture.put(events: 1, into: spool)
            // The shipped sample: every secret key present, every one empty.
            let sample = try String(
                contentsOf: BuiltExecutable.packageRoot.appendingPathComponent("Config/eventspool.json"),
                encoding: .utf8
            )
            let path = try write(sample, to: "eventspool.json", in: directory)
            #expect(chmod(path, 0o644) == 0)
            let result = try await BuiltExecutable.spoolctl("stats", "--config", path, "--spool-dir", spool)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
        }
    }

    @Test(
        "as installed (0640, group of the service) root is not told to chmod 600 a file that holds a secret",
        .enabled(if: geteuid() == 0, "needs root to give the file another group")
    )
    func groupReadableAsInstalled() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            try await SpoolFixture.put(events: 1, into: spool)
            let path = try write(
                #"{"broker": {"auth": {"bearerToken": "tok-5e8d"}}}"#,
                to: "eventspool.json",
                in: directory
            )
            #expect(chown(path, 0, 4242) == 0)
            #expect(chmod(path, 0o640) == 0)
            let result = try await BuiltExecutable.spoolctl("stats", "--config", path, "--spool-dir", spool)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
            // Readable by others it is still warned about, naming the key and never the value.
            #expect(chmod(path, 0o644) == 0)
            let exposed = try await BuiltExecutable.spoolctl("stats", "--config", path, "--spool-dir", spool)
            #expect(exposed.stderr.contains("readable by others"), "\(exposed)")
            #expect(exposed.stderr.contains("broker.auth.bearerToken"), "\(exposed)")
            #expect(!exposed.stderr.contains("tok-5e8d"), "\(exposed)")
        }
    }
}
