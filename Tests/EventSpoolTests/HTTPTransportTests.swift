import EventSpoolTesting
import Foundation
import Testing

@testable import EventSpoolHTTP

/// The generic libcurl transport against the real loopback ``TestBroker``: each request names its method, URL,
/// headers, body and body cap, and the whole answer comes back — what an object store's client needs
/// (PUT, GET, HEAD, DELETE, ETag) besides a webhook's POST.
@Suite(.timeLimit(.minutes(1))) struct HTTPTransportTests {
    func withTransport<T>(maxConnections: Int = 1, _ body: (CurlTransport) async throws -> T) async throws -> T {
        let transport = try CurlTransport(
            settings: .init(connectTimeout: .seconds(10), totalTimeout: .seconds(10), maxConnections: maxConnections)
        )
        do {
            let result = try await body(transport)
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    func request(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        body: String = "",
        maxResponseBodyBytes: Int = 64 * 1024
    ) throws -> HTTPRequest {
        var block: [UInt8] = []
        for (name, value) in headers {
            HTTPRequest.appendHeader(name, value, to: &block)
        }
        return HTTPRequest(
            method: method,
            url: try HTTPURL(url),
            headerBlock: block,
            body: Array(body.utf8),
            maxResponseBodyBytes: maxResponseBodyBytes
        )
    }

    func response(_ outcome: TransferOutcome) throws -> HTTPResponse {
        guard case .answered(let response) = outcome else {
            throw TestFailure("no answer: \(outcome)")
        }
        return response
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func methodURLAndBodyArePerRequestOnOneReusedHandle() async throws {
        try await withTestBroker { broker in
            let base = "http://127.0.0.1:\(broker.port)"
            try await withTransport { transport in
                // One connection and one handle for all of them: every request changes what the last one set.
                let put = try request(.put, "\(base)/bucket/a", headers: [("Content-Type", "text/plain")], body: "v1")
                #expect(try response(await transport.perform(put)).status == 204)
                #expect(try response(await transport.perform(request(.get, "\(base)/bucket/a"))).status == 204)
                #expect(try response(await transport.perform(request(.delete, "\(base)/bucket/a"))).status == 204)
                let post = try request(.post, "\(base)/events", body: "{}")
                #expect(try response(await transport.perform(post)).status == 204)
                #expect(
                    try response(await transport.perform(request(.get, "\(base)/bucket?list-type=2"))).status == 204
                )
                #expect(try response(await transport.perform(put)).status == 204)
            }
            let requests = broker.requests
            #expect(requests.map(\.method) == ["PUT", "GET", "DELETE", "POST", "GET", "PUT"])
            #expect(
                requests.map(\.uri) == [
                    "/bucket/a", "/bucket/a", "/bucket/a", "/events", "/bucket?list-type=2", "/bucket/a",
                ]
            )
            #expect(requests.map(\.bodyText) == ["v1", "", "", "{}", "", "v1"])
            #expect(requests[0].header("content-type") == "text/plain")
            #expect(Set(requests.map(\.connectionID)).count == 1, "one keep-alive connection throughout")
        }
    }

    @Test(
        "timeouts too long for libcurl's milliseconds are the longest it takes, not an overflow",
        arguments: [Duration.seconds(Int64.max), .seconds(9_300_000_000_000_000), .seconds(9_223_372_036_854_776)]
    )
    func aTimeoutBeyondMillisecondsSaturates(_ timeout: Duration) async throws {
        #expect(
            CurlTransport.Settings(connectTimeout: timeout, totalTimeout: timeout, maxConnections: 1)
                .totalTimeoutMilliseconds == Int.max
        )
        try await withTestBroker { broker in
            let transport = try CurlTransport(
                settings: .init(connectTimeout: timeout, totalTimeout: timeout, maxConnections: 1)
            )
            let post = try request(.post, "http://127.0.0.1:\(broker.port)/events", body: "{}")
            let status = try response(await transport.perform(post)).status
            await transport.shutdown()
            #expect(status == 204)
        }
    }

    @Test func aHeadRequestReadsNoBodyEvenWhenTheLengthPromisesOne() async throws {
        try await withTestBroker { broker in
            // A HEAD answer announces the object's length and sends no body; then the connection closes.
            broker.enqueue(.raw(Array("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nETag: \"v7\"\r\n\r\n".utf8)))
            let answer = try await withTransport { transport in
                try response(await transport.perform(request(.head, "http://127.0.0.1:\(broker.port)/bucket/a")))
            }
            #expect(answer.status == 200)
            #expect(answer.headers.first("etag") == "\"v7\"")
            #expect(answer.body.isEmpty)
            #expect(broker.requests.map(\.method) == ["HEAD"])
        }
    }

    @Test func theAnswerCarriesEveryHeaderAndABodyUpToTheRequestsCap() async throws {
        try await withTestBroker { broker in
            let object = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let headers = [("ETag", "\"0123abcd\""), ("x-amz-request-id", "r-1"), ("X-Amz-Request-Id", "r-2")]
            broker.enqueue(
                .status(200, headers: headers, bodyBytes: object),
                .status(200, headers: headers, bodyBytes: object)
            )
            let (whole, cut) = try await withTransport { transport in
                let url = "http://127.0.0.1:\(broker.port)/bucket/object"
                let whole = try response(await transport.perform(request(.get, url, maxResponseBodyBytes: 8 << 20)))
                let cut = try response(await transport.perform(request(.get, url, maxResponseBodyBytes: 64 * 1024)))
                return (whole, cut)
            }
            #expect(whole.body == object)
            #expect(!whole.isBodyCut)
            #expect(whole.headers.first("ETAG") == "\"0123abcd\"")
            #expect(whole.headers.first("x-amz-request-id") == "r-1", "the first of two fields with one name")
            let fields = whole.headers.fields.filter { $0.name.lowercased() != "content-length" }
            #expect(fields.map(\.name) == ["ETag", "x-amz-request-id", "X-Amz-Request-Id"])
            #expect(fields.map(\.value) == ["\"0123abcd\"", "r-1", "r-2"])
            #expect(cut.body == Array(object.prefix(64 * 1024)))
            #expect(cut.isBodyCut)
            #expect(cut.status == 200)
        }
    }

    @Test func theTransportKeepsNoMoreThanTheCapOfABody() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.largeBody(status: 503, size: 10 << 20), .status(500, body: "small"))
            let request = try request(.post, broker.url, body: "{}", maxResponseBodyBytes: 64 * 1024)
            let (large, small) = try await withTransport { transport in
                (try response(await transport.perform(request)), try response(await transport.perform(request)))
            }
            #expect(large.status == 503)
            #expect(large.body.count == 64 * 1024)
            #expect(large.isBodyCut)
            #expect(small.status == 500)
            #expect(small.body == Array("small".utf8))
            #expect(!small.isBodyCut)
        }
    }

    @Test func requestsToTwoHostsShareOneTransport() async throws {
        try await withTestBroker { first in
            try await withTestBroker { second in
                try await withTransport(maxConnections: 4) { transport in
                    for broker in [first, second, first] {
                        let post = try request(.post, broker.url, body: "to \(broker.port)")
                        #expect(try response(await transport.perform(post)).status == 204)
                    }
                }
                #expect(first.requests.map(\.bodyText) == ["to \(first.port)", "to \(first.port)"])
                #expect(second.requests.map(\.bodyText) == ["to \(second.port)"])
            }
        }
    }

    @Test func aHostThatDoesNotResolveIsNamedFromTheRequestsURL() async throws {
        let outcome = try await withTransport { transport in
            await transport.perform(try request(.get, "http://no-such-host.invalid/bucket"))
        }
        #expect(outcome == .failed(.hostNotFound(host: "no-such-host.invalid")))
    }

    @Test func responseHeadersAreLookedUpWithoutRegardToCase() {
        let headers = HTTPResponseHeaders(lines: ["Retry-After:  120 ", "etag: \"x\"", "Empty:", "no colon"])
        #expect(headers.first("retry-after") == "120")
        #expect(headers.first("RETRY-AFTER") == "120")
        #expect(headers.first("ETag") == "\"x\"")
        #expect(headers.first("empty") == "")
        #expect(headers.first("retry") == nil)
        #expect(headers.first("no colon") == nil)
        #expect(headers.fields.map(\.name) == ["Retry-After", "etag", "Empty"])
    }
}
