import EventSpoolModel
import Foundation
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolWebhook

/// EventSpool's real requests, parsed by the official CloudEvents Python SDK and verified by the
/// official Standard Webhooks library in a real receiver (`Tests/Conformance/receiver.py`).
///
/// Needs Python 3 with the PyPI packages `cloudevents` and `standardwebhooks`: `make test` (and
/// `make conformance`) install them first with `scripts/ensure-python-deps.sh`. Without them these
/// tests fail and say so; they never skip.
@Suite(.timeLimit(.minutes(2)))
struct WireConformanceTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let rotatedSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

    /// Events that exercise every attribute and the awkward characters of the binding.
    static let events: [Event] = [
        Event(
            type: "com.example.order.created",
            source: "/orders/eu west",
            time: Date(timeIntervalSince1970: 1_714_564_800.25),
            subject: "Zürich 100% \"fresh\" €",
            contentType: "application/json",
            text: #"{"order":1,"note":"ünïcode ✓","items":[1,2.5,null,true]}"#,
            extensions: ["tenant": "acme corp", "region": "eu-west-1", "note": "a%20b \"q\""],
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            tracestate: "congo=t61rcWkgMzE"
        ),
        Event(
            type: "com.example.note",
            source: "urn:example:notes",
            time: Date(timeIntervalSince1970: 1_714_564_800),
            contentType: "text/plain; charset=utf-8",
            text: "plain text, with a line\nbreak"
        ),
        Event(
            type: "com.example.cloudevent+json",
            source: "/vendor",
            time: Date(timeIntervalSince1970: 1_714_564_800.123456),
            contentType: "application/vnd.example+json",
            text: #"{"nested":{"deep":["x"]}}"#
        ),
        Event(type: "com.example.empty", source: "/empty", contentType: "application/json", body: []),
    ]

    /// Binary data: Python's `standardwebhooks` only verifies UTF-8 bodies (it decodes the body to
    /// text before signing), so these go to a receiver without secrets in binary mode.
    static let binaryEvent = Event(
        type: "com.example.blob",
        source: "/blobs",
        contentType: "application/octet-stream",
        body: [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]
    )

    @Test(arguments: [BrokerConfiguration.EventFormat.binary, .structured])
    func theOfficialSDKsAcceptEveryRequest(format: BrokerConfiguration.EventFormat) async throws {
        let arguments = ["--secret", Self.secret, "--secret", Self.rotatedSecret]
        try await WireReceiver.with(arguments: arguments) { receiver in
            let configuration = BrokerConfiguration(
                url: receiver.url,
                eventFormat: format,
                signing: .init(secrets: [.value(Self.secret), .value(Self.rotatedSecret)])
            )
            var events = Self.events
            // In structured mode binary data travels as base64 in a JSON body, which the library verifies.
            if format == .structured { events.append(Self.binaryEvent) }
            try await WireTestSupport.withClient(configuration) { client in
                for event in events {
                    let result = await client.deliver(event)
                    let verdict = try await receiver.nextVerdict()
                    try check(verdict, of: event, format: format)
                    #expect(verdict.signatures == ["0": "verified", "1": "verified"], "\(event.type)")
                    #expect(result.isDelivered, "\(result.error?.message ?? "")")
                }
            }
        }
    }

    @Test func binaryDataInBinaryMode() async throws {
        try await WireReceiver.with { receiver in
            try await WireTestSupport.withClient(BrokerConfiguration(url: receiver.url)) { client in
                let result = await client.deliver(Self.binaryEvent)
                try check(try await receiver.nextVerdict(), of: Self.binaryEvent, format: .binary)
                #expect(result.isDelivered)
            }
        }
    }

    @Test func aWrongSecretFailsVerification() async throws {
        // The receiver knows only the rotated secret; EventSpool signs with the other one.
        try await WireReceiver.with(arguments: ["--secret", Self.rotatedSecret]) { receiver in
            let configuration = BrokerConfiguration(url: receiver.url, signing: .init(secrets: [.value(Self.secret)]))
            try await WireTestSupport.withClient(configuration) { client in
                let result = await client.deliver(Self.events[0])
                let verdict = try await receiver.nextVerdict()
                #expect(!verdict.ok)
                #expect(verdict.signatures?["0"]?.contains("No matching signature found") == true)
                #expect(result.outcome == .permanent)
            }
        }
    }

    /// Compares what the SDK parsed with what was sent.
    func check(_ verdict: WireReceiver.Verdict, of event: Event, format: BrokerConfiguration.EventFormat) throws {
        #expect(verdict.ok, "\(event.type): \(verdict.problems)")
        #expect(verdict.mode == "\(format)")
        let attributes = try #require(verdict.attributes, "\(event.type): \(verdict.problems)")
        var expected: [String: JSONValue] = [
            "specversion": .string("1.0"),
            "id": .string(event.id),
            "source": .string(event.source),
            "type": .string(event.type),
            "datacontenttype": .string(event.contentType),
            "time": .object(["epochMilliseconds": .integer(Int((event.time.timeIntervalSince1970 * 1000).rounded()))]),
        ]
        if let subject = event.subject { expected["subject"] = .string(subject) }
        for (name, value) in event.extensions { expected[name] = .string(value) }
        // Structured mode carries the trace context as Distributed Tracing extension attributes too.
        if format == .structured, let traceparent = event.traceparent {
            expected["traceparent"] = .string(traceparent)
            expected["tracestate"] = event.tracestate.map(JSONValue.string)
        }
        #expect(attributes == expected, "\(event.type)")
        #expect(verdict.legacy?["id"] == .string(event.id))
        #expect(verdict.legacy?["type"] == .string(event.type))

        if event.body.isEmpty {
            #expect(verdict.data == nil || verdict.data == .null)
        } else if BrokerRequest.isJSONMediaType(event.contentType) {
            #expect(verdict.data == .object(["json": try JSONValue.parse(event.body)]))
        } else if format == .structured || String(validating: event.body, as: UTF8.self) == nil {
            // data_base64 in structured mode; undecodable bytes in binary mode.
            #expect(verdict.data == .object(["base64": .string(Data(event.body).base64EncodedString())]))
        } else {
            #expect(verdict.data == .object(["text": .string(String(decoding: event.body, as: UTF8.self))]))
        }
        #expect(verdict.headers["webhook-id"] == event.id)
        #expect(verdict.headers["traceparent"] == event.traceparent)
    }
}
