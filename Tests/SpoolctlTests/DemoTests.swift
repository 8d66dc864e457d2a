import Foundation
import TestSupport
import Testing

/// `make demo`'s program, smaller: it must end with nothing lost.
@Suite("eventspool-demo")
struct DemoTests {
    @Test("publishes through an outage and a 503 spell, sweeps, and loses nothing")
    func demoLosesNothing() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await BuiltExecutable.run(
                "eventspool-demo",
                ["--events", "400", "--concurrency", "8", "--directory", directory.path + "/demo-spool"]
            )
            #expect(result.status == 0, "\(result)")
            let lost = result.stdout.split(separator: "\n").first { $0.hasPrefix("lost") }
            #expect(lost?.split(separator: " ").last == "0", "\(result)")
            let published = result.stdout.split(separator: "\n").first { $0.hasPrefix("published ") }
            #expect(published?.split(separator: " ").last == "400", "\(result)")
            let spooled = result.stdout.split(separator: "\n").first { $0.hasPrefix("spooled ") }
            #expect((spooled?.split(separator: " ").last).flatMap { Int($0) } ?? 0 > 0, "\(result)")
        }
    }
}
