import Foundation
import TestSupport
import Testing

/// The configuration means one thing or is refused: strict JSON (no trailing comma, no key twice), a warning
/// for an `EVENTSPOOL_*` variable that names no key, and errors that name the key at fault.
@Suite("spoolctl configuration strictness")
struct ConfigurationStrictnessTests {
    /// Runs `stats` (or `arguments`) with `json` as the `--config` file against an existing spool.
    private func run(
        config json: String,
        _ arguments: [String] = ["stats"],
        environment: [String: String] = [:],
        in directory: URL
    ) async throws -> (ProcessResult, String) {
        let spool = directory.appendingPathComponent("spool").path
        if !FileManager.default.fileExists(atPath: spool) {
            try await SpoolFixture.put(events: 1, into: spool)
        }
        let file = try write(json, to: "eventspool.json", in: directory)
        let result = try await BuiltExecutable.run(
            "spoolctl",
            arguments + ["--config", file, "--spool-dir", spool],
            environment: environment
        )
        return (result, file)
    }

    @Test(
        "trailing commas and duplicate keys are errors naming the file and the line (78)",
        arguments: [
            ("{\n  \"spool\": {\"maxObjects\": 5,},\n}", "trailing comma", "line 2"),
            ("{\n  \"classification\": {\"goneStatuses\": [410,]}\n}", "trailing comma", "line 2"),
            (
                "{\"spool\": {\"maxObjects\": 5},\n \"spool\": {\"maxBytes\": 9}}", "'spool' appears twice",
                "line 2, column 2"
            ),
            (
                "{\"retry\": {\"maxAttempts\": 3,\n  \"maxAttempts\": 4}}", "'maxAttempts' appears twice",
                "first at line 1"
            ),
            ("{\"spool\": {} // a comment\n}", "expected ',' or '}'", "line 1, column 14"),
        ]
    )
    func notStrictJSON(_ json: String, _ problem: String, _ place: String) async throws {
        try await withTemporaryDirectory { directory in
            let (result, file) = try await run(config: json, in: directory)
            #expect(result.status == 78, "\(result)")
            for text in [file, problem, place] {
                #expect(result.stderr.contains(text), "\(text) missing: \(result)")
            }
        }
    }

    @Test("an unknown EVENTSPOOL_ variable is warned about, with the variable it likely means")
    func unknownVariable() async throws {
        try await withTemporaryDirectory { directory in
            let environment = ["EVENTSPOOL_BROKR_URL": "http://127.0.0.1:9/", "EVENTSPOOL_SPOOL_MAX_BYTES": "100000"]
            let (result, _) = try await run(config: "{}", environment: environment, in: directory)
            #expect(result.status == 0, "\(result)")
            #expect(
                result.stderr.contains(
                    "unknown environment variable EVENTSPOOL_BROKR_URL (did you mean EVENTSPOOL_BROKER_URL?)"
                ),
                "\(result)"
            )
            #expect(!result.stderr.contains("EVENTSPOOL_SPOOL_MAX_BYTES"), "\(result)")
            let (quiet, _) = try await run(config: "{}", ["stats", "--quiet"], environment: environment, in: directory)
            #expect(quiet.stderr.isEmpty, "\(quiet)")
        }
    }

    @Test(
        "a broker value that cannot be used names its own key, not broker.url (78)",
        arguments: [
            (#"{"broker": {"timeout": 0}}"#, "configuration key 'broker.timeout'"),
            (#"{"broker": {"connectTimeout": "0s"}}"#, "configuration key 'broker.connectTimeout'"),
            (#"{"broker": {"tls": {"keyFile": "/etc/hostname"}}}"#, "configuration key 'broker.tls.keyFile'"),
            (
                #"{"sweeper": {"fallback": "secondaryBroker"}, "secondaryBroker": {"url": "http://127.0.0.1:9/x", "tls": {"keyFile": "/etc/hostname"}}}"#,
                "configuration key 'secondaryBroker.tls.keyFile'"
            ),
        ]
    )
    func brokerKeyNamed(_ json: String, _ message: String) async throws {
        try await withTemporaryDirectory { directory in
            let (result, _) = try await run(
                config: json,
                ["sweep", "--broker-url", "http://127.0.0.1:9/events"],
                in: directory
            )
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
            #expect(!result.stderr.contains("'broker.url'"), "\(result)")
        }
    }
}
