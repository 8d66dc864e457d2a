import Foundation
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

@Suite struct EventTests {
    @Test func generatedIDsAreTimeOrderedUUIDv7() {
        let ids = (0..<1000).map { _ in EventID.make() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            #expect(bytes[14] == UInt8(ascii: "7"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(bytes[19]))
        }
    }

    @Test func generatedIDsCarryTheirTimeInTheFirst48Bits() throws {
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let id = EventID.make()
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let hex = id.split(separator: "-").joined()
        #expect(hex.count == 32)
        #expect(hex.allSatisfy { "0123456789abcdef".contains($0) })
        let milliseconds = try #require(UInt64(hex.prefix(12), radix: 16))
        // Later than `after` only when ids made this millisecond used up their counter (4,096 per ms).
        #expect(milliseconds >= before && milliseconds <= after + 1)
    }

    @Test func validEventPasses() throws {
        let event = Event(
            type: "com.example.order.created",
            source: "/orders",
            subject: "order-1",
            orderingKey: "customer-7",
            text: #"{"id":1}"#,
            extensions: ["tenant": "acme"],
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )
        try event.validate()
    }

    @Test(arguments: [
        (Event(type: "", source: "/s", text: ""), "type"),
        (Event(type: "t", source: "", text: ""), "source"),
        (Event(type: "a\nb", source: "/s", text: ""), "type"),
        (Event(type: "t", source: "/s\r", text: ""), "source"),
        (Event(type: "t", source: "/s", subject: "x\ny", text: ""), "subject"),
        (Event(id: "../../etc/x", type: "t", source: "/s", text: ""), "id"),
        (Event(id: "", type: "t", source: "/s", text: ""), "id"),
        (Event(type: "t", source: "/s", text: "", extensions: ["Bad": "v"]), "extensions.Bad"),
        (Event(type: "t", source: "/s", text: "", extensions: ["id": "v"]), "extensions.id"),
        (Event(type: "t", source: "/s", text: "", extensions: ["ok": "v\r\nX: y"]), "extensions.ok"),
        (Event(type: "t", source: "/s", text: "", traceparent: "00-xyz"), "traceparent"),
        (
            Event(
                type: "t",
                source: "/s",
                text: "",
                traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
            ), "traceparent"
        ),
        // A later version may add fields, but a NUL or newline in them would end the header.
        (
            Event(
                type: "t",
                source: "/s",
                text: "",
                traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-\u{0}Authorization: x"
            ), "traceparent"
        ),
        (
            Event(
                type: "t",
                source: "/s",
                text: "",
                traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab\r\nX-Injected: 1"
            ), "traceparent"
        ),
        (Event(type: "t", source: "/s", time: Date(timeIntervalSince1970: 1e13), text: ""), "time"),
        (Event(type: "t", source: "/s", time: Date(timeIntervalSince1970: -62_135_596_801), text: ""), "time"),
    ])
    func invalidEventNamesTheField(event: Event, field: String) {
        #expect {
            try event.validate()
        } throws: { error in
            (error as? EventValidationError)?.field == field
        }
    }

    /// Neither a test argument nor inside `#expect`: printing the event (`Date.description`) traps on NaN.
    @Test func aTimeThatIsNotANumberIsRejected() {
        let event = Event(type: "t", source: "/s", time: Date(timeIntervalSince1970: .nan), text: "")
        do {
            try event.validate()
            Issue.record("a NaN time was accepted")
        } catch {
            let field = error.field
            #expect(field == "time")
        }
    }

    @Test func laterTraceparentVersionsAndTheWholeRangeOfYearsAreAccepted() throws {
        let future = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-0a1b-ff"
        try Event(type: "t", source: "/s", text: "", traceparent: future).validate()
        for seconds in [-62_135_596_800, 253_402_300_799.999] {
            try Event(type: "t", source: "/s", time: Date(timeIntervalSince1970: seconds), text: "").validate()
        }
    }

    @Test func oversizedBodyIsRejected() {
        let event = Event(type: "t", source: "/s", body: [UInt8](repeating: 1, count: 11))
        #expect(throws: EventValidationError(field: "body", reason: "is 11 bytes, more than the maximum of 10")) {
            try event.validate(maxBodyBytes: 10)
        }
    }

    @Test func spoolKeyRoundTripsItsTime() throws {
        let time = Date(timeIntervalSince1970: 1_795_737_003.123456)
        let key = SpoolKey.make(time: time, processID: 0xA1B2, nonce: 0x5E3C_9D01, sequence: 7)
        #expect(key.rawValue == "20261126T235003.123456Z-0000a1b2-5e3c9d01-00000007")
        #expect(SpoolKey(key.rawValue) == key)
        #expect(key.folder == "2026/11/26/23/50")
        #expect(abs(key.time.timeIntervalSince1970 - time.timeIntervalSince1970) < 0.000_002)
        #expect(SpoolKey("../../etc/passwd") == nil)
        #expect(SpoolKey(fileName: key.fileName) == key)
    }
}
