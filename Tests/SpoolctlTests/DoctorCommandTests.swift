import EventSpool
import Foundation
import TestSupport
import Testing

/// `spoolctl doctor`'s command line: what it says for a directory spool, its JSON, and the bounds of its options.
/// (Its checks of a bucket are `S3StoreCheckTests` and `S3RaceProbeTests`.)
@Suite("spoolctl doctor")
struct DoctorCommandTests {
    @Test("a directory spool has nothing to probe: exit 0, text and JSON")
    func directorySpoolHasNothingToProbe() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool").path
            let text = try await BuiltExecutable.spoolctl("doctor", "--spool-dir", spool)
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("spool.backend is directory (\(spool)): nothing to probe"), "\(text)")

            let json = try await BuiltExecutable.spoolctl("doctor", "--json", "--spool-dir", spool)
            #expect(json.status == 0, "\(json)")
            let objects = try jsonObjects(json.stdout)
            #expect(objects.count == 1, "\(json)")
            let object = try #require(objects.first)
            #expect(object["backend"] as? String == "directory")
            #expect(object["location"] as? String == spool)
            #expect(object["passed"] as? Bool == true)
            #expect(object["recorded"] as? Bool == false)
            for field in ["endpoint", "server", "write", "probe"] {
                #expect(object[field] is NSNull, "\(field) should be null: \(json)")
            }
            // Nothing was created: the doctor only reads the configuration.
            #expect(!FileManager.default.fileExists(atPath: spool))
        }
    }

    @Test(
        "a probe that could prove nothing is a usage error (64)",
        arguments: [
            ["--writers", "1"], ["--writers", "65"], ["--rounds", "0"], ["--rounds", "1001"],
        ]
    )
    func probeBoundsAreUsageErrors(options: [String]) async throws {
        let result = try await BuiltExecutable.run("spoolctl", ["doctor", "--json"] + options)
        #expect(result.status == 64, "\(result)")
        let error = try #require(try jsonObjects(result.stdout).last?["error"] as? [String: Any], "\(result)")
        #expect(error["kind"] as? String == "usage")
    }
}
