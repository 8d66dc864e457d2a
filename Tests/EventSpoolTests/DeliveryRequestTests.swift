import Foundation
import Logging
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolHTTP
@testable import EventSpoolWebhook

@Suite struct DeliveryRequestTests {
    static let time = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z

    func header(_ name: String, in request: BrokerRequest) -> String? {
        let prefix = name.lowercased() + ": "
        return request.headerLines.first { $0.lowercased().hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count))
        }
    }

    @Test func binaryModeMapsEveryAttribute() {
        let event = Event(
            id: "evt-1",
            type: "com.example.order.created",
            source: "/orders",
            time: Self.time,
            subject: "order-1",
            contentType: "application/json; charset=utf-8",
            text: #"{"id":1}"#,
            extensions: ["tenant": "acme", "aaa": "first"],
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            tracestate: "congo=t61rcWkgMzE"
        )
        let request = BrokerRequest(event: event, format: .binary, headers: [("Authorization", "Bearer s3cr3t-token")])
        #expect(
            request.headerLines == [
                "ce-specversion: 1.0",
                "ce-id: evt-1",
                "ce-source: /orders",
                "ce-type: com.example.order.created",
                "ce-time: 2024-05-01T12:00:00Z",
                "ce-subject: order-1",
                "ce-aaa: first",
                "ce-tenant: acme",
                "Content-Type: application/json; charset=utf-8",
                "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "tracestate: congo=t61rcWkgMzE",
                "Idempotency-Key: evt-1",
                "webhook-id: evt-1",
                "Authorization: Bearer s3cr3t-token",
            ]
        )
        #expect(request.body == Array(#"{"id":1}"#.utf8))
    }

    @Test func optionalAttributesAreLeftOut() {
        let event = Event(id: "e", type: "t", source: "/s", time: Self.time, body: [1, 2, 3])
        let request = BrokerRequest(event: event, format: .binary, headers: [])
        #expect(header("ce-subject", in: request) == nil)
        #expect(header("traceparent", in: request) == nil)
        #expect(request.headerLines.count == 8)
        #expect(request.body == [1, 2, 3])
    }

    @Test(arguments: [
        ("plain-ASCII/value_1.2~", "plain-ASCII/value_1.2~"),
        ("with space", "with%20space"),
        ("100%", "100%25"),
        (#"say "hi""#, "say%20%22hi%22"),
        ("Euro € 😀", "Euro%20%E2%82%AC%20%F0%9F%98%80"),  // the binding spec's own example
        ("caf\u{E9}", "caf%C3%A9"),
        ("tab\there", "tab%09here"),
        ("del\u{7F}", "del%7F"),
        ("", ""),
    ])
    func headerValuesArePercentEncodedAsTheBindingSays(value: String, encoded: String) {
        #expect(BrokerRequest.percentEncoded(value) == encoded)
    }

    @Test func percentEncodingAppliesToEveryCloudEventsAttribute() {
        let event = Event(
            id: "e",
            type: "type with space",
            source: "/söurce",
            time: Self.time,
            subject: "50%",
            text: "",
            extensions: ["note": #""quoted""#]
        )
        let request = BrokerRequest(event: event, format: .binary, headers: [])
        #expect(header("ce-type", in: request) == "type%20with%20space")
        #expect(header("ce-source", in: request) == "/s%C3%B6urce")
        #expect(header("ce-subject", in: request) == "50%25")
        #expect(header("ce-note", in: request) == "%22quoted%22")
        #expect(request.headerLines.allSatisfy { $0.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } })
    }

    @Test(arguments: [
        (1_714_564_800.0, "2024-05-01T12:00:00Z"),
        (1_714_564_800.5, "2024-05-01T12:00:00.500Z"),
        (1_714_564_800.123456, "2024-05-01T12:00:00.123456Z"),
        (0.0, "1970-01-01T00:00:00Z"),
        (-1.5, "1969-12-31T23:59:58.500Z"),
        (951_825_600.0, "2000-02-29T12:00:00Z"),
    ])
    func timesAreRFC3339InUTC(seconds: Double, text: String) {
        #expect(BrokerRequest.timestamp(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test func structuredModeEmbedsJSONData() throws {
        let event = Event(
            id: "evt-2",
            type: "t",
            source: "/s",
            time: Self.time,
            subject: "line\nbreak \"q\"",
            contentType: "application/vnd.example+json",
            text: #"{"n": 1.0, "list": [1, 2]}"#,
            extensions: ["tenant": "acme"],
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )
        let request = BrokerRequest(event: event, format: .structured, headers: [])
        #expect(header("content-type", in: request) == "application/cloudevents+json; charset=UTF-8")
        #expect(header("ce-id", in: request) == nil)
        #expect(header("Idempotency-Key", in: request) == "evt-2")
        #expect(header("traceparent", in: request) == event.traceparent)

        let text = String(decoding: request.body, as: UTF8.self)
        // The body is embedded byte for byte, not re-serialised.
        #expect(text.contains(#""data":{"n": 1.0, "list": [1, 2]}"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["specversion"] as? String == "1.0")
        #expect(object["id"] as? String == "evt-2")
        #expect(object["source"] as? String == "/s")
        #expect(object["type"] as? String == "t")
        #expect(object["time"] as? String == "2024-05-01T12:00:00Z")
        #expect(object["subject"] as? String == "line\nbreak \"q\"")
        #expect(object["datacontenttype"] as? String == "application/vnd.example+json")
        #expect(object["tenant"] as? String == "acme")
        #expect(object["traceparent"] as? String == event.traceparent)
        #expect(object["data_base64"] == nil)
    }

    @Test(arguments: [
        ("application/octet-stream", [UInt8](arrayLiteral: 0, 1, 2, 0xFF)),
        ("application/json", Array("not json {".utf8)),
        ("text/plain", Array("hello".utf8)),
    ])
    func structuredModeUsesBase64ForNonJSONData(contentType: String, body: [UInt8]) throws {
        let event = Event(id: "e", type: "t", source: "/s", time: Self.time, contentType: contentType, body: body)
        let request = BrokerRequest(event: event, format: .structured, headers: [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["data"] == nil)
        let base64 = try #require(object["data_base64"] as? String)
        #expect(Data(base64Encoded: base64).map(Array.init) == body)
    }

    @Test func structuredModeOmitsDataForAnEmptyBody() throws {
        let event = Event(id: "e", type: "t", source: "/s", time: Self.time, body: [])
        let request = BrokerRequest(event: event, format: .structured, headers: [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        #expect(object["data"] == nil && object["data_base64"] == nil)
        #expect(object.count == 6)
    }

    @Test(arguments: [
        ("application/json", true), ("Application/JSON; charset=utf-8", true), ("text/json", true),
        ("application/cloudevents+json", true), ("application/jsonx", false), ("text/plain", false), ("", false),
    ])
    func jsonMediaTypes(contentType: String, isJSON: Bool) {
        #expect(BrokerRequest.isJSONMediaType(contentType) == isJSON)
    }

    // MARK: configuration checks

    @Test(
        arguments: [
            ("Authorization", "Bearer x", nil),
            ("X-Tenant", "acme", nil),
            ("Bad Name", "v", "is not a valid HTTP header name"),
            ("", "v", "is not a valid HTTP header name"),
            ("X-Evil", "a\r\nInjected: 1", "has a control character (CR, LF, NUL, …) in its value"),
            ("Content-Type", "text/plain", "is set by EventSpool itself and cannot be configured"),
            ("CE-ID", "x", "is set by EventSpool itself and cannot be configured"),
            ("Idempotency-Key", "x", "is set by EventSpool itself and cannot be configured"),
        ] as [(String, String, String?)]
    )
    func configuredHeadersAreChecked(name: String, value: String, problem: String?) {
        #expect(BrokerClient.problem(withHeaderName: name, value: value) == problem)
    }

    @Test func urlsAreCheckedAndCredentialsNeverShown() throws {
        let url = try HTTPURL("http://user:p4ssw0rd@127.0.0.1:5555/events?x=1")
        #expect(url.redacted == "http://127.0.0.1:5555/events?x=1")
        #expect(url.host == "127.0.0.1")
        #expect(Set(url.credentials) == ["user", "p4ssw0rd"])

        #expect(throws: TransportSetupError.self) { try HTTPURL("ftp://127.0.0.1/x") }
        #expect(throws: TransportSetupError.self) { try HTTPURL("not a url") }
        do {
            _ = try HTTPURL("http://user:p4ssw0rd@[bad/events")
            Issue.record("a broken URL was accepted")
        } catch {
            #expect(!error.description.contains("p4ssw0rd"))
            #expect(error.description.contains("<redacted>"))
        }
    }

    @Test func unusableConfigurationsAreRefusedWithClearErrors() {
        func error(_ configuration: BrokerConfiguration) -> String? {
            do {
                _ = try BrokerClient(configuration: configuration, logger: .init(label: "test"))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(
            error(BrokerConfiguration(url: "http://127.0.0.1:1/e", maxConnections: 0))
                == "broker http://127.0.0.1:1/e: maxConnections must be at least 1, not 0"
        )
        #expect(
            error(BrokerConfiguration(url: "http://127.0.0.1:1/e", connectTimeout: .zero))?
                .contains("connectTimeout must be positive") == true
        )
        let headerError = error(
            BrokerConfiguration(url: "http://127.0.0.1:1/e", headers: ["Authorization": "Bearer top-secret\n"])
        )
        #expect(headerError?.contains("header 'Authorization' has a control character") == true)
        #expect(headerError?.contains("top-secret") == false)
    }
}
