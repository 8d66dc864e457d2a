import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// The last-resort log of an event that is not published: bounded, and one line whatever the event holds —
/// no value can split the record or forge another.
@Suite(.timeLimit(.minutes(1)))
struct SecurityLastResortLogTests {
    /// The most characters of a body the log holds, as `docs/security.md` says.
    static let bound = 16 * 1024

    /// Publishes `event` (invalid: nothing is sent or written) and returns the one error record logged.
    func lastResort(of event: Event) async throws -> InMemoryLogHandler.Entry {
        let logs = InMemoryLogHandler()
        try await WireTestSupport.withTemporaryDirectory { directory in
            let configuration = Publisher.Configuration(
                broker: BrokerConfiguration(url: "http://127.0.0.1:1/events"),
                spool: SpoolConfiguration(directory: directory + "/spool"),
                maxBodyBytes: 8 << 20
            )
            _ = try await withPublisher(configuration: configuration, logger: WireTestSupport.capturingLogger(logs)) {
                publisher in
                await #expect(throws: PublishError.self) { _ = try await publisher.publish(event) }
            }
        }
        let errors = logs.entries.filter { $0.level == .error }
        #expect(errors.count == 1)
        return try #require(errors.first)
    }

    /// Every text of a record: its message and each metadata value.
    func texts(of entry: InMemoryLogHandler.Entry) -> [String] {
        ["\(entry.message)"] + entry.metadata.values.map { "\($0)" }
    }

    @Test func aHugeBodyAndLineBreaksInAttributesStayOnOneBoundedLine() async throws {
        let forged = "\n2025-05-01T00:00:00+0000 critical orders : event published id=forged\r\n"
        let body = String(repeating: "line" + forged, count: 5 * 1024 * 1024 / (forged.utf8.count + 4))
        let event = Event(
            id: "evil\r\nid",
            type: "com.example.order\r\n2025-05-01T00:00:00+0000 info forged : type\u{2028}x",
            source: "/orders\u{1B}[2J",
            text: body
        )
        let entry = try await lastResort(of: event)
        for text in texts(of: entry) {
            #expect(!text.contains("\n") && !text.contains("\r"), "a line break in \(text.prefix(200))")
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0.value == 0x7F })
        }
        let logged = "\(try #require(entry.metadata["event.body"]))"
        #expect(logged.utf8.count <= Self.bound + 100, "\(logged.utf8.count) bytes logged")
        #expect(logged.hasPrefix("line\\n2025-05-01T00:00:00+0000 critical orders"), "\(logged.prefix(100))")
        #expect(logged.hasSuffix("bytes of \(body.utf8.count) not logged)"), "\(logged.suffix(100))")
        #expect("\(try #require(entry.metadata["event.type"]))".hasPrefix("com.example.order\\r\\n2025"))
        #expect("\(entry.message)".contains("evil\\r\\nid"))
        #expect("\(try #require(entry.metadata["event.source"]))" == "/orders\\u{1B}[2J")
    }

    @Test func aSmallBodyIsLoggedWholeAndCanBeReadBack() async throws {
        let body = "{\"a\":\"b\\\\c\"}\n\ttail\u{0}\u{85}é"
        let entry = try await lastResort(of: Event(id: "..", type: "t", source: "/s", text: body))
        let logged = "\(try #require(entry.metadata["event.body"]))"
        #expect(logged == #"{"a":"b\\\\c"}\n\ttail\u{0}\u{85}é"#)
        let binary = try await lastResort(of: Event(id: "..", type: "t", source: "/s", body: [0xFF, 0xFE, 0x00, 0x41]))
        #expect(
            "\(try #require(binary.metadata["event.body"]))" == "base64:"
                + Data([0xFF, 0xFE, 0x00, 0x41]).base64EncodedString()
        )
    }

    @Test func aLargeBinaryBodyIsBoundedToo() async throws {
        let body = [UInt8](repeating: 0xFF, count: 3 << 20)
        let entry = try await lastResort(of: Event(id: "..", type: "t", source: "/s", body: body))
        let logged = "\(try #require(entry.metadata["event.body"]))"
        #expect(logged.hasPrefix("base64://///"))
        #expect(logged.utf8.count <= Self.bound + 100, "\(logged.utf8.count) bytes logged")
        #expect(logged.hasSuffix("bytes of \(body.count) not logged)"), "\(logged.suffix(100))")
    }
}
