import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import EventSpoolTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Proves each scripted behaviour of the test broker with a real client over loopback.
@Suite(.timeLimit(.minutes(1)))
struct TestBrokerTests {
    // MARK: - Answers

    @Test func statusHeadersAndBodyComeBack() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(503, headers: [("Retry-After", "7"), ("X-Broker", "test")], body: "busy"))
            let response = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                try await connection.exchange(body: "{}")
            }
            #expect(response?.status == 503)
            #expect(response?.headers["Retry-After"] == ["7"])
            #expect(response?.headers["X-Broker"] == ["test"])
            #expect(response?.headers["Content-Length"] == ["4"])
            #expect(response?.bodyText == "busy")
        }
    }

    @Test func defaultAnswerIs204WithoutABody() async throws {
        try await withTestBroker { broker in
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "x", headers: "Connection: close\r\n")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.error == nil)
                let response = RawResponse(ending.bytes)
                #expect(response.head.hasPrefix("HTTP/1.1 204 No Content\r\n"))
                #expect(response.header("Content-Length") == nil)
                #expect(response.body.isEmpty)
            }
        }
    }

    @Test func scriptedContentLengthIsNotDoubled() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(200, headers: [("Content-Length", "10"), ("Connection", "close")], body: "abc"))
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "x")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.text.ranges(of: "Content-Length").count == 1)
                #expect(RawResponse(ending.bytes).header("Content-Length") == "10")
                #expect(RawResponse(ending.bytes).body == Array("abc".utf8))
            }
        }
    }

    @Test func recordsTheRequestAsSent() async throws {
        try await withTestBroker { broker in
            try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                try await connection.send(
                    uri: "/events?x=1",
                    headers: [("X-B", "2"), ("X-A", "1"), ("ce-id", "abc"), ("X-A", "again")],
                    body: "hello"
                )
                _ = try await connection.response()
            }
            let requests = try await broker.waitForRequests(count: 1)
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/events?x=1")
            #expect(request.header("CE-ID") == "abc")
            #expect(request.header("x-a") == "1")
            #expect(request.headerValues("X-A") == ["1", "again"])
            #expect(request.header("missing") == nil)
            #expect(request.headers.map(\.name) == ["Host", "X-B", "X-A", "ce-id", "X-A", "Content-Length"])
            #expect(request.bodyText == "hello")
            #expect(request.connectionID == 1)
        }
    }

    @Test func answersExpectContinueBeforeTheBody() async throws {
        try await withTestBroker { broker in
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.send(
                    "POST /events HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
                )
                #expect(try await connection.read(until: "\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n")
                try await connection.send("hello")
                #expect(try await connection.read(until: "\r\n\r\n")?.hasPrefix("HTTP/1.1 204") == true)
            }
            #expect(broker.requests.first?.bodyText == "hello")
        }
    }

    // MARK: - Connections

    @Test func keepAliveCarriesThreeRequestsOnOneConnection() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(200, body: "one"), .status(201, body: "two"))
            let statuses = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                var statuses: [Int?] = []
                for _ in 0..<3 {
                    statuses.append(try await connection.exchange(body: "e").map(\.status))
                }
                return statuses
            }
            #expect(statuses == [200, 201, 204])
            #expect(broker.acceptedConnections == 1)
            #expect(broker.requests.map(\.connectionID) == [1, 1, 1])
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.delay(.milliseconds(20), then: .status(201, body: "first")), .status(202, body: "second"))
            let bodies = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                try await connection.send(body: "a")
                try await connection.send(body: "b")
                let first = try await connection.response()
                let second = try await connection.response()
                return [first?.bodyText, second?.bodyText]
            }
            #expect(bodies == ["first", "second"])
            #expect(broker.requests.map(\.bodyText) == ["a", "b"])
        }
    }

    @Test func connectionCloseRequestIsHonoured() async throws {
        try await withTestBroker { broker in
            try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                let response = try await connection.exchange(headers: [("Connection", "close")])
                #expect(response?.headers["Connection"] == ["close"])
                #expect(try await connection.response() == nil)
            }
        }
    }

    // MARK: - Faults

    @Test func hangIsAnsweredByClosingOnShutdown() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.hang)
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "stuck")
                _ = try await broker.waitForRequests(count: 1)
                try await broker.shutdown()
                let (ending, _) = await connection.readToEnd()
                #expect(ending.bytes.isEmpty)
                #expect(ending.error == nil)
            }
            #expect(broker.openConnections == 0)
            #expect(broker.requests.map(\.bodyText) == ["stuck"])
        }
    }

    @Test func closeBeforeResponseSendsNothing() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.closeBeforeResponse)
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "e")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.bytes.isEmpty)
                #expect(ending.error == nil)
            }
            #expect(broker.requests.count == 1)
        }
    }

    @Test(arguments: [BrokerBehavior.resetBeforeResponse, .resetMidResponse()])
    func resetEndsTheConnectionWithConnectionReset(behavior: BrokerBehavior) async throws {
        try await withTestBroker { broker in
            broker.enqueue(behavior)
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "e")
                let (ending, _) = await connection.readToEnd()
                #expect((ending.error as? IOError)?.errnoCode == ECONNRESET)
            }
            #expect(broker.requests.count == 1)
        }
    }

    @Test func closeMidResponseDeliversLessThanContentLength() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.closeMidResponse(status: 200))
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "e")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.error == nil)
                let response = RawResponse(ending.bytes)
                #expect(response.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                let promised = try #require(response.header("Content-Length").flatMap { Int($0) })
                #expect(promised == BrokerBehavior.truncatedResponseLength)
                #expect(response.body.count == promised / 2)
            }
        }
    }

    @Test func rawGarbageArrivesVerbatim() async throws {
        let garbage: [UInt8] = [0x00, 0xFF, 0x7F] + Array("not HTTP at all\r\n\r\n".utf8) + [0xC3, 0x28]
        try await withTestBroker { broker in
            broker.enqueue(.raw(garbage))
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "e")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.bytes == garbage)
                #expect(ending.error == nil)
            }
        }
    }

    @Test func dripWritesTheResponseOneByteAtATime() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.drip(status: 200, body: "slow", interval: .milliseconds(5)))
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "e", headers: "Connection: close\r\n")
                let (ending, reads) = await connection.readToEnd()
                #expect(ending.error == nil)
                let response = RawResponse(ending.bytes)
                #expect(response.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(response.body == Array("slow".utf8))
                // One byte per tick: the client sees the response in many reads, not one.
                #expect(reads > 1)
            }
        }
    }

    @Test func largeBodyStreamsEveryByte() async throws {
        let size = 8 * 1024 * 1024 + 3
        try await withTestBroker { broker in
            broker.enqueue(.largeBody(status: 200, size: size))
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: "e", headers: "Connection: close\r\n")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.error == nil)
                let response = RawResponse(ending.bytes)
                #expect(response.header("Content-Length") == String(size))
                #expect(response.body.count == size)
            }
        }
    }

    @Test func largeBodyIsStreamedAsTheClientReads() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.largeBody(status: 200, size: 64 * 1024 * 1024))
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                // The client never reads the response: once the socket buffers are full the broker must wait.
                try await connection.sendPost(body: "e")
                _ = try await broker.waitForRequests(count: 1)
                // The behaviour starts in the event-loop turn that recorded the request; an option read queued
                // behind that turn sees what the broker buffered for the whole 64 MiB.
                let channel = try #require(broker.connectionChannels.first)
                let buffered = try await channel.getOption(.bufferedWritableBytes).get()
                #expect(buffered <= 256 * 1024)
            }
        }
    }

    @Test func malformedRequestGets400AndClose() async throws {
        try await withTestBroker { broker in
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.send("\u{1}\u{2} not a request\r\n\r\n")
                let (ending, _) = await connection.readToEnd()
                #expect(ending.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            }
            #expect(broker.requestCount == 0)
        }
    }

    @Test func oversizedBodyGets413AndIsNotRecorded() async throws {
        try await withTestBroker(configuration: .init(maxRequestBodySize: 16)) { broker in
            try await LoopbackClient.withRawConnection(port: broker.port) { connection in
                try await connection.sendPost(body: String(repeating: "x", count: 17))
                let (ending, _) = await connection.readToEnd()
                #expect(ending.text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"))
            }
            #expect(broker.requestCount == 0)
        }
    }

    // MARK: - Going down and coming back

    @Test func stopListeningRefusesThenStartListeningServesTheSamePort() async throws {
        try await withTestBroker { broker in
            let port = broker.port
            broker.enqueue(.hang)
            try await LoopbackClient.withRawConnection(port: port) { hanging in
                try await hanging.sendPost(body: "held")
                _ = try await broker.waitForRequests(count: 1)

                try await broker.stopListening()
                #expect(!broker.isListening)
                // The hanging request is released by a close…
                let (ending, _) = await hanging.readToEnd()
                #expect(ending.bytes.isEmpty && ending.error == nil)
            }
            // …and new connections are refused.
            let refusal = await #expect(throws: IOError.self) {
                try await LoopbackClient.withRawConnection(port: port) { _ in }
            }
            #expect(refusal?.errnoCode == ECONNREFUSED)
            #expect(broker.requestCount == 1, "nothing got through while stopped")

            try await broker.startListening()
            #expect(broker.port == port)
            let status = try await LoopbackClient.withHTTPConnection(port: port) { connection in
                try await connection.exchange(body: "back")?.status
            }
            #expect(status == 204)
            #expect(broker.acceptedConnections == 2)
            #expect(broker.requests.map(\.bodyText) == ["held", "back"])
        }
    }

    @Test func startListeningTwiceIsAnError() async throws {
        try await withTestBroker { broker in
            let error = await #expect(throws: TestBrokerError.self) { try await broker.startListening() }
            #expect(error?.code == .alreadyListening)
        }
    }

    // MARK: - Waiting and scripting

    @Test func waitForRequestsTimesOutWhenNothingArrives() async throws {
        try await withTestBroker { broker in
            let error = await #expect(throws: TestBrokerError.self) {
                try await broker.waitForRequests(count: 1, timeout: .milliseconds(50))
            }
            #expect(error?.code == .timedOut)
            #expect(error?.message.contains(broker.url) == true)
        }
    }

    @Test func waitForRequestsWakesWhenTheCountIsReached() async throws {
        try await withTestBroker { broker in
            async let arrived = broker.waitForRequests(count: 2, timeout: .seconds(20))
            try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                _ = try await connection.exchange(body: "1")
                _ = try await connection.exchange(body: "2")
            }
            #expect(try await arrived.map(\.bodyText) == ["1", "2"])
            // Already reached: returns at once.
            #expect(try await broker.waitForRequests(count: 1, timeout: .milliseconds(1)).count == 2)
        }
    }

    @Test func shutdownFailsAPendingWait() async throws {
        let broker = try await TestBroker.start()
        let waiting = Task { try await broker.waitForRequests(count: 1, timeout: .seconds(20)) }
        try await broker.shutdown()
        let error = await #expect(throws: TestBrokerError.self) { try await waiting.value }
        #expect(error?.code == .shutDown)
    }

    @Test func cancellingAWaitEndsIt() async throws {
        try await withTestBroker { broker in
            let waiting = Task { try await broker.waitForRequests(count: 1, timeout: .seconds(20)) }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
        }
    }

    @Test func scheduleOverridesTheQueueUntilCleared() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(500))
            broker.setDefaultBehavior(.status(202))
            broker.setSchedule { index in index.isMultiple(of: 2) ? .status(201) : .status(503) }
            let statuses = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                var statuses: [Int?] = []
                for step in 0..<5 {
                    if step == 3 {
                        broker.setSchedule(nil)
                    }
                    statuses.append(try await connection.exchange(body: "\(step)").map(\.status))
                }
                return statuses
            }
            // Indexes 0–2 follow the schedule; then the untouched queue (500), then the default (202).
            #expect(statuses == [201, 503, 201, 500, 202])
        }
    }

    @Test func withoutRecordingRequestsAreStillCounted() async throws {
        try await withTestBroker(configuration: .init(recordsRequests: false)) { broker in
            try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                _ = try await connection.exchange(body: "1")
                _ = try await connection.exchange(body: "2")
            }
            #expect(try await broker.waitForRequests(count: 2).isEmpty)
            #expect(broker.requestCount == 2)
            #expect(broker.requests.isEmpty)
        }
    }
}
