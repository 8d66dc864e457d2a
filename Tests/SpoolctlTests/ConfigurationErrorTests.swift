import Foundation
import Testing

/// Configuration errors end with exit 78 and a message naming the file or variable and the key, before the
/// spool is touched.
@Suite("spoolctl configuration errors")
struct ConfigurationErrorTests {
    /// Runs `spoolctl <arguments> --config FILE --spool-dir DIR` with `json` as the file, in `directory`.
    private func run(
        _ arguments: [String],
        config json: String,
        in directory: URL
    ) async throws -> (result: ProcessResult, file: String) {
        let file = try write(json, to: "config.json", in: directory)
        let result = try await BuiltExecutable.run(
            "spoolctl",
            arguments + ["--config", file, "--spool-dir", directory.path + "/spool"]
        )
        return (result, file)
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
            let result = try await BuiltExecutable.spoolctl(
                "sweep",
                "--spool-dir",
                directory.path + "/spool",
                "--broker-url",
                "http://127.0.0.1:9/",
                environment: ["EVENTSPOOL_RETRY_BASE_DELAY": "-1"]
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

    @Test("a spool directory that cannot be created names the path (73)")
    func uncreatableSpool() async throws {
        try await withTemporaryDirectory { directory in
            let blocker = try write("not a directory", to: "blocker", in: directory)
            let result = try await BuiltExecutable.spoolctl("list", "--spool-dir", blocker + "/spool")
            #expect(result.status == 73, "\(result)")
            #expect(result.stderr.contains(blocker + "/spool"), "\(result)")
        }
    }

    @Test("the sample configuration file is accepted as it is")
    func sampleFileIsValid() async throws {
        try await withTemporaryDirectory { directory in
            let sample = BuiltExecutable.packageRoot.appendingPathComponent("Config/eventspool.json").path
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
