import EventSpoolTesting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Secrets against the built binary: what an operator sees — every command's output and logs, the spool's
/// files, configuration errors — never holds a credential, and unsafe files are pointed out.
@Suite("spoolctl and secrets")
struct SpoolctlSecurityTests {
    static let apiKey = "key-61f0c2a9+d7/e4b3"

    @Test("credentials a broker echoes reach no output of publish, sweep, list --dead or show, nor the spool")
    func echoedCredentialsReachNoOutput() async throws {
        try await withTestBroker { broker in
            // A broker that refuses every event for good (400), echoing the request's headers in JSON.
            broker.setDefaultBehavior(.echoRequestHeaders(400))
            try await expectEveryCommand(
                against: broker,
                environment: [
                    "EVENTSPOOL_BROKER_URL": CredentialFixtures.withUserinfo(broker.url),
                    "EVENTSPOOL_BROKER_HEADERS": "X-Api-Key: \(Self.apiKey)",
                ],
                toLeakNone: CredentialFixtures.userinfoForms + [Self.apiKey]
            )
            #expect(
                broker.requests.allSatisfy { $0.header("authorization") == "Basic \(CredentialFixtures.basic)" }
            )
        }
    }

    @Test("a header's name=value parts and HTML references without ';' a broker echoes reach no output")
    func echoedHeaderPartsAndUnterminatedReferencesReachNoOutput() async throws {
        let cookie = "CookieSecret0123456789"
        let apiKey = "ApiKeySecretABCDEFGH"
        try await withTemporaryDirectory { directory in
            let configuration = try write(
                #"{"broker": {"headers": ["Cookie: sid=\#(cookie); lang=en", "X-Api-Key: key=\#(apiKey),region=eu"]}}"#,
                to: "eventspool.json",
                in: directory
            )
            try await withTestBroker { broker in
                // A broker that refuses for good, quoting the cookie's and the key's values alone and the
                // Authorization header as HTML references without `;`, as HTML5 reads them.
                broker.setDefaultBehavior(
                    .echo(400) { request in
                        let authorization = request.header("authorization") ?? ""
                        return "error: bad credential \(cookie) or \(apiKey) (lang=en, region=eu); Authorization="
                            + SecretEncoding.htmlDecimalWithoutSemicolon.apply(authorization)
                    }
                )
                let results = try await expectEveryCommand(
                    against: broker,
                    environment: ["EVENTSPOOL_BROKER_URL": CredentialFixtures.withUserinfo(broker.url)],
                    arguments: ["--config", configuration],
                    toLeakNone: CredentialFixtures.userinfoForms + [cookie, apiKey]
                )
                let shown = try #require(results.first { $0.0 == "show" }?.1)
                #expect(shown.stdout.contains("(lang=en, region=eu)"), "short values are kept: \(shown)")
            }
        }
    }

    /// Runs `publish`, `sweep`, `sweep --json`, `list --dead` (text and JSON) and `show` (text and JSON), all
    /// `--verbose`, against `broker` (which must refuse every event for good) with a new spool, and expects none
    /// of `secrets` in any output or in the spool's files. Returns each command's name and result.
    @discardableResult
    private func expectEveryCommand(
        against broker: TestBroker,
        environment: [String: String],
        arguments extra: [String] = [],
        toLeakNone secrets: [String]
    ) async throws -> [(String, ProcessResult)] {
        let check = SecretLeakCheck(secrets: secrets)
        return try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let environment = environment.merging([
                "EVENTSPOOL_SPOOL_DIRECTORY": spool, "EVENTSPOOL_RETRY_BASE_DELAY": "0s",
            ]) { $1 }
            let requestsBefore = broker.requests.count
            let publish = ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"]
            var results: [(String, ProcessResult)] = []
            for (name, arguments, status) in [
                ("publish", publish + ["--id", "event-1"], 0), ("sweep", ["sweep"], 1),
                ("publish", publish + ["--id", "event-2"], 0), ("sweep --json", ["sweep", "--json"], 1),
                ("list --dead", ["list", "--dead"], 0), ("list --dead --json", ["list", "--dead", "--json"], 0),
                ("show", ["show", "event-1"], 0), ("show --json", ["show", "event-2", "--json"], 0),
            ] as [(String, [String], Int32)] {
                let result = try await BuiltExecutable.run(
                    "spoolctl",
                    arguments + extra + ["--verbose"],
                    environment: environment
                )
                #expect(result.status == status, "\(name): \(result)")
                results.append((name, result))
            }
            let listed = try #require(results.first { $0.0 == "list --dead" }?.1)
            #expect(listed.stdout.contains("event-1") && listed.stdout.contains("HTTP 400"), "\(listed)")
            #expect(broker.requests.count - requestsBefore == 4)
            for (name, result) in results {
                #expect(check.leaks(in: result.stdout) == [], "\(name) stdout: \(result.stdout)")
                #expect(check.leaks(in: result.stderr) == [], "\(name) stderr: \(result.stderr)")
            }
            for (path, bytes) in try snapshot(of: URL(fileURLWithPath: spool)) {
                #expect(check.leaks(in: [UInt8](bytes)) == [], "\(path)")
            }
            return results
        }
    }

    @Test(
        "a malformed broker URL is refused (78) without its credentials, whatever the source",
        arguments: CredentialFixtures.malformedURLs
    )
    func malformedURLsHideTheirCredentials(url: String) async throws {
        let check = SecretLeakCheck(secrets: CredentialFixtures.malformedURLSecrets)
        try await withTemporaryDirectory { directory in
            let file = try write(#"{"broker": {"url": \#(jsonString(url))}}"#, to: "eventspool.json", in: directory)
            let publish = [
                "publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}", "--spool-dir",
                directory.path + "/spool",
            ]
            for (arguments, environment) in [
                (publish + ["--broker-url", url], [:]),
                (publish, ["EVENTSPOOL_BROKER_URL": url]),
                (publish + ["--config", file], [:]),
            ] as [([String], [String: String])] {
                let result = try await BuiltExecutable.run("spoolctl", arguments, environment: environment)
                #expect(result.status == 78, "\(result)")
                #expect(result.stderr.contains("broker.url"), "\(result)")
                #expect(check.leaks(in: result.stderr + result.stdout) == [], "\(result)")
                #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result)")
            }
        }
    }

    @Test("a configuration file others may write, or read when it holds a secret, is warned about")
    func unsafeConfigurationFilesAreWarnedAbout() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            // `stats` only reads: the spool must exist.
            try await SpoolFixture.put(events: 1, into: spool)
            let plain = try write(#"{"spool": {"directory": "\#(spool)"}}"#, to: "plain.json", in: directory)
            let secret = try write(
                #"{"spool": {"directory": "\#(spool)"}, "broker": {"auth": {"bearerToken": "tok-5e8d"}}}"#,
                to: "secret.json",
                in: directory
            )
            for (path, mode, warning) in [
                (plain, 0o644, nil), (plain, 0o666, "writable by others"), (plain, 0o602, "writable by others"),
                (secret, 0o600, nil), (secret, 0o640, nil), (secret, 0o644, "readable by others"),
            ] as [(String, mode_t, String?)] {
                #expect(chmod(path, mode) == 0)
                let result = try await BuiltExecutable.spoolctl("stats", "--config", path)
                #expect(result.status == 0, "\(result)")
                let octal = "0" + String(mode, radix: 8)
                if let warning {
                    #expect(result.stderr.contains(path), "\(octal): \(result)")
                    #expect(result.stderr.contains("mode \(octal)"), "\(octal): \(result)")
                    #expect(result.stderr.contains(warning), "\(octal): \(result)")
                    #expect(!result.stderr.contains("tok-5e8d"), "\(result)")
                } else {
                    #expect(result.stderr.isEmpty, "\(octal): \(result)")
                }
                let quiet = try await BuiltExecutable.spoolctl("stats", "--quiet", "--config", path)
                #expect(quiet.stderr.isEmpty, "--quiet: \(quiet)")
            }
        }
    }

    @Test("credentials over plain http to another host are refused (78) unless allowInsecureCredentials is set")
    func credentialsOverPlainHTTPAreRefused() async throws {
        try await withTemporaryDirectory { directory in
            var environment = [
                "EVENTSPOOL_BROKER_URL": "http://broker.example/events",
                "EVENTSPOOL_BROKER_AUTH_BEARER_TOKEN": "tok-0a9b8c7d6e5f",
                "EVENTSPOOL_SPOOL_DIRECTORY": directory.path + "/spool",
            ]
            // An empty spool directory, as tmpfiles.d makes it: only publish creates a missing one.
            try FileManager.default.createDirectory(
                atPath: directory.path + "/spool",
                withIntermediateDirectories: false
            )
            let refused = try await BuiltExecutable.spoolctl("sweep", environment: environment)
            #expect(refused.status == 78, "\(refused)")
            #expect(refused.stderr.contains("allowInsecureCredentials"), "\(refused)")
            #expect(refused.stderr.contains("http://broker.example/events"), "\(refused)")
            #expect(!refused.stderr.contains("tok-0a9b8c7d6e5f"), "\(refused)")

            // Allowed: an empty spool's sweep sends nothing. Silent, as cron wants it; with --verbose it says once
            // that credentials go in clear text.
            environment["EVENTSPOOL_BROKER_ALLOW_INSECURE_CREDENTIALS"] = "true"
            let allowed = try await BuiltExecutable.spoolctl("sweep", environment: environment)
            #expect(allowed.status == 0 && allowed.stderr.isEmpty && allowed.stdout.isEmpty, "\(allowed)")
            let verbose = try await BuiltExecutable.spoolctl("sweep", "--verbose", environment: environment)
            #expect(verbose.status == 0, "\(verbose)")
            #expect(verbose.stderr.components(separatedBy: "in clear text").count == 2, "\(verbose)")
            #expect(!verbose.stderr.contains("tok-0a9b8c7d6e5f"), "\(verbose)")
        }
    }

    private func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data()
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
