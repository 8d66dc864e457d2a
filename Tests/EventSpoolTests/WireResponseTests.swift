import EventSpoolTesting
import Testing

@testable import EventSpool

/// Hostile answers: huge bodies, garbage, endless headers. Each is a clear result, and the client
/// never buffers more than its cap (the transport-level proof is
/// `DeliveryBrokerTests.theTransportKeepsNoMoreThanTheCapOfABody`).
@Suite(.timeLimit(.minutes(2)))
struct WireResponseTests {
    func deliver(
        answering behavior: BrokerBehavior,
        maxResponseBodyBytes: Int = 64 * 1024
    ) async throws
        -> (DeliveryResult, url: String)
    {
        try await withTestBroker { broker in
            broker.enqueue(behavior)
            let configuration = BrokerConfiguration(url: broker.url, maxResponseBodyBytes: maxResponseBodyBytes)
            let result = try await WireTestSupport.withClient(configuration) { client in
                await client.deliver(Event(type: "t", source: "/s", text: "{}"))
            }
            return (result, broker.url)
        }
    }

    @Test func aTenMebibyteErrorBodyIsCutToOneBoundedLine() async throws {
        let (result, url) = try await deliver(
            answering: .largeBody(status: 503, size: 10 << 20),
            maxResponseBodyBytes: 1024
        )
        #expect(result.outcome == .retryable(retryAfter: nil))
        #expect(result.status == 503)
        let message = try #require(result.error?.message)
        #expect(message.hasPrefix("HTTP 503 from \(url)"))
        #expect(message.utf8.count <= 512)
    }

    @Test func tenMebibytesOfGarbageAreNotHTTP() async throws {
        var garbage = [UInt8](repeating: 0, count: 10 << 20)
        for index in garbage.indices { garbage[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        let (result, url) = try await deliver(answering: .raw(garbage))
        #expect(result.outcome == .retryable(retryAfter: nil))
        #expect(result.error?.message == "not an HTTP response from \(url)")
    }

    @Test func endlessHeadersAreARetryableFailure() async throws {
        // A status line, then a megabyte of header lines: libcurl gives up at its header-size limit.
        var response = Array("HTTP/1.1 200 OK\r\n".utf8)
        for index in 0..<20_000 {
            response += Array("X-Filler-\(index): \(String(repeating: "x", count: 40))\r\n".utf8)
        }
        let (result, url) = try await deliver(answering: .raw(response))
        #expect(result.outcome == .retryable(retryAfter: nil))
        let message = try #require(result.error?.message)
        #expect(message.hasSuffix(url), "\(message)")
    }
}
