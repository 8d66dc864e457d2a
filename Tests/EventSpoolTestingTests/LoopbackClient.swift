import NIOCore
import NIOHTTP1
import NIOPosix

/// Small real clients for the broker's tests, on NIO: one that speaks HTTP/1.1 through NIO's own encoder and
/// decoder (an independent check of what the broker writes), and one that sends and receives raw bytes, for
/// the behaviours that break HTTP.
enum LoopbackClient {
    /// A response as NIO's HTTP/1.1 decoder read it.
    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        var bodyText: String { String(decoding: self.body, as: UTF8.self) }
    }

    /// How a raw connection ended, and everything read before it did.
    struct Ending {
        var bytes: [UInt8]
        /// `nil` for an orderly close (FIN), else the error the read failed with (for instance `ECONNRESET`).
        var error: (any Error)?

        var text: String { String(decoding: self.bytes, as: UTF8.self) }
    }

    /// Opens an HTTP/1.1 connection to `port` and runs `body` with it; closes it afterwards.
    static func withHTTPConnection<T>(
        port: Int,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (inout HTTPConnection) async throws -> sending T
    ) async throws -> sending T {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> = try await Self.connect(port) {
            try $0.addHTTPClientHandlers()
        }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = HTTPConnection(responses: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    /// Opens a TCP connection to `port` and runs `body` with it; closes it afterwards.
    static func withRawConnection<T>(
        port: Int,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (inout RawConnection) async throws -> sending T
    ) async throws -> sending T {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer> = try await Self.connect(port) { _ in }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = RawConnection(bytes: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    /// Connects to 127.0.0.1:`port` directly (no resolver), so a refusal surfaces as an `IOError` with
    /// `ECONNREFUSED`.
    private static func connect<Inbound: Sendable, Outbound: Sendable>(
        _ port: Int,
        handlers: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
    ) async throws -> NIOAsyncChannel<Inbound, Outbound> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: port)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try handlers(channel.pipeline.syncOperations)
                    return try NIOAsyncChannel<Inbound, Outbound>(wrappingChannelSynchronously: channel)
                }
            }
    }

    struct HTTPConnection {
        var responses: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

        /// Writes one request without waiting for its response (so several can be pipelined).
        func send(
            method: HTTPMethod = .POST,
            uri: String = "/events",
            headers: [(String, String)] = [],
            body: String = ""
        ) async throws {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
            head.headers.add(name: "Host", value: "127.0.0.1")
            head.headers.add(contentsOf: headers)
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
            try await self.outbound.write(contentsOf: [
                .head(head), .body(.byteBuffer(ByteBuffer(string: body))), .end(nil),
            ])
        }

        /// Reads the next final response (skipping 1xx), or `nil` when the connection closed first.
        mutating func response() async throws -> Response? {
            var response: Response?
            while let part = try await self.responses.next() {
                switch part {
                case .head(let head):
                    response = Response(status: Int(head.status.code), headers: head.headers, body: [])
                case .body(let bytes):
                    response?.body += Array(bytes.readableBytesView)
                case .end:
                    if let response, response.status >= 200 {
                        return response
                    }
                }
            }
            return nil
        }

        /// Sends one request and reads its response.
        mutating func exchange(
            headers: [(String, String)] = [],
            body: String = ""
        ) async throws -> Response? {
            try await self.send(headers: headers, body: body)
            return try await self.response()
        }
    }

    struct RawConnection {
        var bytes: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        /// Bytes read by `read(until:)` past what it returned.
        private var buffered: [UInt8] = []

        init(
            bytes: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
            outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        ) {
            self.bytes = bytes
            self.outbound = outbound
        }

        func send(_ text: String) async throws {
            try await self.outbound.write(ByteBuffer(string: text))
        }

        /// A minimal POST with a body.
        func sendPost(body: String, headers: String = "") async throws {
            let head = "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\(headers)Content-Length: \(body.utf8.count)\r\n"
            try await self.send(head + "\r\n" + body)
        }

        /// Reads until `marker` has arrived and returns everything up to and including it; `nil` when the
        /// connection ended first.
        mutating func read(until marker: String) async throws -> String? {
            let marker = Array(marker.utf8)
            while true {
                if let end = indexAfter(marker, in: self.buffered) {
                    let line = Array(self.buffered[..<end])
                    self.buffered.removeFirst(end)
                    return String(decoding: line, as: UTF8.self)
                }
                guard let next = try await self.bytes.next() else { return nil }
                self.buffered += Array(next.readableBytesView)
            }
        }

        /// Reads until the broker closes the connection, counting every chunk that arrived.
        mutating func readToEnd() async -> (ending: Ending, reads: Int) {
            var bytes = self.buffered
            self.buffered = []
            var reads = 0
            do {
                while let next = try await self.bytes.next() {
                    reads += 1
                    bytes += Array(next.readableBytesView)
                }
                return (Ending(bytes: bytes, error: nil), reads)
            } catch {
                return (Ending(bytes: bytes, error: error), reads)
            }
        }
    }
}

/// The head and body of a raw HTTP response, split at the blank line.
struct RawResponse {
    var head: String
    var body: [UInt8]

    init(_ bytes: [UInt8]) {
        let split = indexAfter(Array("\r\n\r\n".utf8), in: bytes) ?? bytes.count
        self.head = String(decoding: bytes[..<split], as: UTF8.self)
        self.body = Array(bytes[split...])
    }

    /// The value of a header in the head, compared case-insensitively.
    func header(_ name: String) -> String? {
        for line in self.head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingPrefix(" ").description
            }
        }
        return nil
    }
}

/// The index just past the first occurrence of `marker` in `bytes`, or `nil` when it does not occur.
func indexAfter(_ marker: [UInt8], in bytes: [UInt8]) -> Int? {
    guard !marker.isEmpty, bytes.count >= marker.count else { return nil }
    for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker) {
        return start + marker.count
    }
    return nil
}
