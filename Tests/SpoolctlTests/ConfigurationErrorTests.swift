import EventSpoolTesting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Configuration errors end with exit 78 and a message naming the file or variable and the key, before the
/// spool is touched: every test here runs against an existing spool and checks that not a byte, name, mode or
/// modification time in it changed.
@Suite("spoolctl configuration errors")
struct ConfigurationErrorTests {
    /// Runs `spoolctl <arguments> --config FILE --spool-dir DIR` with `json` as the file, in `directory`, against
    /// an existing spool at `DIR`, and checks that the run left that spool exactly as it was.
    private func run(
        _ arguments: [String],
        config json: String,
        environment: [String: String] = [:],
        in directory: URL
    ) async throws -> (result: ProcessResult, file: String) {
        let spool = directory.appendingPathComponent("spool")
        if !FileManager.default.fileExists(atPath: spool.path) {
            try await SpoolFixture.put(events: 2, into: spool.path)
        }
        let before = try spoolTree(of: spool.path)
        let file = try write(json, to: "config.json", in: directory)
        let result = try await BuiltExecutable.run(
            "spoolctl",
            arguments + ["--config", file, "--spool-dir", spool.path],
            environment: environment
        )
        #expect(try spoolTree(of: spool.path) == before, "spoolctl \(arguments) changed the spool: \(result)")
        return (result, file)
    }

    /// A bad configuration, and the commands that read the key it breaks.
    struct BadConfiguration: Sendable, CustomStringConvertible {
        var name: String
        var file: String
        var environment: [String: String] = [:]
        /// What the error must name besides the file or variable: the key.
        var key: String?
        /// Commands that read the broken key (the spool-only commands `verify` and `purge` read no `retry.*`).
        var commands: [[String]] = BadConfiguration.everyCommand
        /// Names the environment variable rather than the file.
        var namesVariable: String?

        var description: String { name }

        static let broker = ["--broker-url", "http://127.0.0.1:9/events"]
        static let sendingCommands: [[String]] = [
            ["sweep"] + broker,
            ["replay", "--all"] + broker,
            ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"] + broker,
        ]
        static let everyCommand: [[String]] =
            sendingCommands + [["purge", "--pending", "--yes"], ["verify", "--quarantine"]]
    }

    static let badConfigurations: [BadConfiguration] = [
        BadConfiguration(name: "malformed JSON", file: #"{"spool": {"maxObjects": 5}"#),
        BadConfiguration(name: "JSON that is not an object", file: #"["spool"]"#),
        BadConfiguration(
            name: "a string where a number belongs",
            file: #"{"spool": {"maxObjects": "many"}}"#,
            key: "spool.maxObjects"
        ),
        BadConfiguration(
            name: "an object where a value belongs",
            file: #"{"spool": {"maxBytes": {}}}"#,
            key: "spool.maxBytes"
        ),
        BadConfiguration(name: "an unknown key", file: #"{"spool": {"maxObject": 5}}"#, key: "spool.maxObject"),
        BadConfiguration(name: "an unknown section", file: #"{"spoool": {"directory": "/tmp"}}"#, key: "spoool"),
        BadConfiguration(
            name: "a negative duration in the file",
            file: #"{"retry": {"baseDelay": "-1s"}}"#,
            key: "retry.baseDelay",
            commands: BadConfiguration.sendingCommands
        ),
        BadConfiguration(
            name: "a negative duration in the environment",
            file: "{}",
            environment: ["EVENTSPOOL_BROKER_TIMEOUT": "-2s"],
            key: "broker.timeout",
            commands: BadConfiguration.sendingCommands,
            namesVariable: "EVENTSPOOL_BROKER_TIMEOUT"
        ),
        BadConfiguration(
            name: "a wrong type in the environment",
            file: "{}",
            environment: ["EVENTSPOOL_SPOOL_MAX_BYTES": "lots"],
            key: "spool.maxBytes",
            namesVariable: "EVENTSPOOL_SPOOL_MAX_BYTES"
        ),
    ]

    @Test(
        "a bad configuration is exit 78 naming the key and its source, and changes nothing",
        arguments: badConfigurations
    )
    func badConfigurationChangesNothing(_ bad: BadConfiguration) async throws {
        try await withTemporaryDirectory { directory in
            // A spool with a corrupt object too, so that `verify --quarantine` would have something to move.
            try await SpoolFixture.put(events: 3, into: directory.path + "/spool")
            let victim = try #require(try objectFiles(in: directory.appendingPathComponent("spool")).first)
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)
            for command in bad.commands {
                let (result, file) = try await run(
                    command,
                    config: bad.file,
                    environment: bad.environment,
                    in: directory
                )
                #expect(result.status == 78, "\(command): \(result)")
                #expect(result.stderr.contains(bad.namesVariable ?? file), "\(command): \(result)")
                if let key = bad.key {
                    #expect(result.stderr.contains(key), "\(command): \(result)")
                }
                #expect(result.stdout.isEmpty, "\(command): \(result)")
            }
        }
    }

    // A read-only file system where this machine lets us mount one; otherwise (not root) a folder without
    // write permission. Root in a container that may not mount has neither: skipped.
    @Test(
        "an existing spool that cannot be written: a clear error naming the path, and nothing changed",
        .enabled(if: TestEnvironment.canMountTmpfs || geteuid() != 0, "root without mount: nothing is read-only")
    )
    func readOnlySpool() async throws {
        try await withTemporaryDirectory { directory in
            let mountPoint = directory.appendingPathComponent("ro")
            try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: false)
            let spool = mountPoint.appendingPathComponent("spool")
            let mounted = TestEnvironment.canMountTmpfs
            if mounted {
                try #require(mount("tmpfs", mountPoint.path, "tmpfs", 0, "size=4m,mode=0700") == 0, "errno \(errno)")
            }
            defer { if mounted { umount2(mountPoint.path, Int32(MNT_DETACH)) } }
            try await SpoolFixture.put(events: 2, into: spool.path)
            let victim = try #require(try objectFiles(in: spool).first)
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)
            if mounted {
                #expect(mount("tmpfs", mountPoint.path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), nil) == 0)
            } else {
                #expect(chmod(spool.path, 0o500) == 0)
            }
            defer { _ = chmod(spool.path, 0o700) }
            let before = try spoolTree(of: spool.path)
            // Each command that has to write says what it could not write, and where.
            let expectations: [([String], Int32, String)] = [
                (["sweep"] + BadConfiguration.broker, 1, spool.path + "/sweeper.lock"),
                (["replay", "--all"] + BadConfiguration.broker, 1, spool.path + "/sweeper.lock"),
                (["purge", "--pending", "--yes"], 74, spool.path + "/sweeper.lock"),
                (["verify", "--quarantine"], 74, spool.path),
                (
                    ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"]
                        + BadConfiguration.broker,
                    1, spool.path + "/tmp/"
                ),
            ]
            for (command, status, path) in expectations {
                let result = try await BuiltExecutable.run("spoolctl", command + ["--spool-dir", spool.path])
                #expect(result.status == status, "\(command): \(result)")
                #expect((result.stdout + result.stderr).contains(path), "\(command): \(result)")
                #expect(try spoolTree(of: spool.path) == before, "\(command) changed the spool")
            }
            // Reading still works: an operator can inspect a spool that cannot be written.
            let listed = try await BuiltExecutable.spoolctl("list", "--spool-dir", spool.path)
            #expect(listed.status == 0 && listed.stdout.contains("-- 2 events"), "\(listed)")
        }
    }

    @Test("an unknown flag is a usage error (64)")
    func unknownFlag() async throws {
        let result = try await BuiltExecutable.spoolctl("list", "--no-such-flag")
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("--no-such-flag"), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test("a value of the wrong type names the key and the file (78)")
    func wrongType() async throws {
        try await withTemporaryDirectory { directory in
            let (result, file) = try await run(
                ["stats"],
                config: #"{"broker": {"maxConnections": "sixteen"}}"#,
                in: directory
            )
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("broker.maxConnections"), "\(result)")
            #expect(result.stderr.contains(file), "\(result)")
            #expect(result.stderr.contains("whole number"), "\(result)")
        }
    }

    @Test("a boolean where a number belongs is a wrong type too (78)")
    func booleanForNumber() async throws {
        try await withTemporaryDirectory { directory in
            let (result, _) = try await run(["stats"], config: #"{"retry": {"maxAttempts": true}}"#, in: directory)
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("retry.maxAttempts"), "\(result)")
        }
    }

    @Test("malformed JSON names the file (78)")
    func malformedJSON() async throws {
        try await withTemporaryDirectory { directory in
            let (result, file) = try await run(["list"], config: #"{"broker": {"url": "http://x"}"#, in: directory)
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains(file), "\(result)")
            #expect(result.stderr.contains("not valid JSON"), "\(result)")
        }
    }

    @Test("a missing config file names the file (78)")
    func missingFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.path + "/absent.json"
            let result = try await BuiltExecutable.spoolctl("list", "--config", file)
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains(file), "\(result)")
        }
    }

    @Test("an unknown key is an error naming it, with the likely key (78)")
    func unknownKey() async throws {
        try await withTemporaryDirectory { directory in
            let (result, file) = try await run(["stats"], config: #"{"broker": {"timout": "5s"}}"#, in: directory)
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("broker.timout"), "\(result)")
            #expect(result.stderr.contains("broker.timeout"), "\(result)")
            #expect(result.stderr.contains(file), "\(result)")
        }
    }

    @Test("a negative duration in the file names the key and the file (78)")
    func negativeDurationInFile() async throws {
        try await withTemporaryDirectory { directory in
            let (result, file) = try await run(
                ["sweep", "--broker-url", "http://127.0.0.1:9/"],
                config: #"{"retry": {"maxDelay": "-5s"}}"#,
                in: directory
            )
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("retry.maxDelay"), "\(result)")
            #expect(result.stderr.contains(file), "\(result)")
            #expect(result.stderr.contains("'-5s'"), "\(result)")
        }
    }

    @Test("a bad value in the environment names the variable (78)")
    func negativeDurationInEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let (result, _) = try await run(
                ["sweep", "--broker-url", "http://127.0.0.1:9/"],
                config: "{}",
                environment: ["EVENTSPOOL_RETRY_BASE_DELAY": "-1"],
                in: directory
            )
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("retry.baseDelay"), "\(result)")
            #expect(result.stderr.contains("EVENTSPOOL_RETRY_BASE_DELAY"), "\(result)")
        }
    }

    @Test("a command that sends needs broker.url, and says how to set it (78)")
    func missingBrokerURL() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await BuiltExecutable.spoolctl("sweep", "--spool-dir", directory.path + "/spool")
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("broker.url"), "\(result)")
            #expect(result.stderr.contains("--broker-url"), "\(result)")
            #expect(result.stderr.contains("EVENTSPOOL_BROKER_URL"), "\(result)")
        }
    }

    @Test("options beat the environment, which beats the file")
    func precedence() async throws {
        try await withTemporaryDirectory { directory in
            // Each source names a spool path under a regular file, which cannot be created: the error says
            // which path won.
            let blocker = try write("not a directory", to: "blocker", in: directory)
            let file = try write(#"{"spool": {"directory": "\#(blocker)/from-file"}}"#, to: "c.json", in: directory)
            let environment = ["EVENTSPOOL_SPOOL_DIRECTORY": blocker + "/from-environment"]

            let fromFile = try await BuiltExecutable.spoolctl("stats", "--config", file)
            #expect(fromFile.status == 73, "\(fromFile)")
            #expect(fromFile.stderr.contains("from-file"), "\(fromFile)")

            let fromEnvironment = try await BuiltExecutable.spoolctl(
                "stats",
                "--config",
                file,
                environment: environment
            )
            #expect(fromEnvironment.status == 73, "\(fromEnvironment)")
            #expect(fromEnvironment.stderr.contains("from-environment"), "\(fromEnvironment)")

            let fromOption = try await BuiltExecutable.spoolctl(
                "stats",
                "--config",
                file,
                "--spool-dir",
                blocker + "/from-option",
                environment: environment
            )
            #expect(fromOption.status == 73, "\(fromOption)")
            #expect(fromOption.stderr.contains("from-option"), "\(fromOption)")
        }
    }

    @Test("a spool directory that cannot be created names the path (73) and creates nothing")
    func uncreatableSpool() async throws {
        try await withTemporaryDirectory { directory in
            let blocker = try write("not a directory", to: "blocker", in: directory)
            let before = try spoolTree(of: directory.path)
            for command in [["list"], ["sweep"] + BadConfiguration.broker, ["purge", "--dead", "--yes"]] {
                let result = try await BuiltExecutable.run("spoolctl", command + ["--spool-dir", blocker + "/spool"])
                #expect(result.status == 73, "\(command): \(result)")
                #expect(result.stderr.contains(blocker + "/spool"), "\(command): \(result)")
            }
            #expect(try spoolTree(of: directory.path) == before)
        }
    }

    @Test("the sample configuration file is accepted as it is")
    func sampleFileIsValid() async throws {
        try await withTemporaryDirectory { directory in
            let sample = BuiltExecutable.packageRoot.appendingPathComponent("Config/eventspool.json").path
            try await SpoolFixture.put(events: 1, into: directory.path + "/spool")
            let result = try await BuiltExecutable.spoolctl(
                "stats",
                "--config",
                sample,
                "--spool-dir",
                directory.path + "/spool"
            )
            #expect(result.status == 0, "\(result)")
        }
    }
}

/// Everything below `path` as it is on disk — each entry's type, permissions, size and modification time, and
/// each file's bytes — to prove that a command changed nothing at all. Symbolic links are described, not followed.
func spoolTree(of path: String) throws -> [String: String] {
    var tree: [String: String] = [:]
    func describe(_ entry: String) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: entry)
        let type = attributes[.type] as? FileAttributeType
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        var description = "\(type?.rawValue ?? "?") mode \(attributes[.posixPermissions] ?? "?") "
        description += "size \(attributes[.size] ?? "?") modified \(modified)"
        if type == .typeRegular {
            description += " bytes \(try Data(contentsOf: URL(fileURLWithPath: entry)).base64EncodedString())"
        }
        tree[entry] = description
        if type == .typeDirectory {
            for name in try FileManager.default.contentsOfDirectory(atPath: entry) {
                try describe(entry + "/" + name)
            }
        }
    }
    try describe(path)
    return tree
}
