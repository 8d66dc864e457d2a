import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves one accepted connection of a ``TestBroker``: aggregates each request, hands it to the broker to be
/// recorded and scripted, and carries out the ``BrokerBehavior`` it gets back.
///
/// Responses go out one at a time in request order, so pipelined requests are answered correctly; a request
/// that arrives while an earlier one is still being answered (or hangs) waits its turn. The handler writes the
/// response bytes itself instead of using NIO's response encoder, because most behaviours exist to break HTTP.
final class BrokerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    /// A request that has been recorded and is waiting for its turn to be answered.
    private struct Exchange {
        var behavior: BrokerBehavior
        var keepAlive: Bool
    }

    private static let largeBodyChunkSize = 64 * 1024

    private let broker: TestBroker
    private let connectionID: Int
    private let maxRequestBodySize: Int

    /// The request being read.
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// After an oversized body: the connection is closing, and nothing more it carries is recorded.
    private var isDiscarding = false

    private var waiting = CircularBuffer<Exchange>()
    private var isResponding = false
    private var isClosed = false
    /// The timer of a `delay` or `drip` in progress, cancelled when the connection closes.
    private var timer: Scheduled<Void>?
    /// A `largeBody` in progress: bytes still to write, and whether to close once they are written.
    private var largeBody: (remaining: Int, chunk: ByteBuffer, closes: Bool)?

    init(broker: TestBroker, connectionID: Int, maxRequestBodySize: Int) {
        self.broker = broker
        self.connectionID = connectionID
        self.maxRequestBodySize = maxRequestBodySize
    }

    // MARK: - Reading requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.isClosed else { return }
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            guard !self.isDiscarding else { return }
            self.head = head
            self.body.clear()
            // libcurl asks before sending a large body; answering at once spares it a one-second wait. Only when
            // the line is free: a 100 in the middle of another response would corrupt it.
            if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }),
                !self.isResponding, self.waiting.isEmpty
            {
                context.writeAndFlush(
                    self.wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")),
                    promise: nil
                )
            }
        case .body(var part):
            guard !self.isDiscarding else { return }
            guard self.body.readableBytes + part.readableBytes <= self.maxRequestBodySize else {
                self.isDiscarding = true
                self.body = ByteBuffer()
                self.waiting.append(
                    Exchange(
                        behavior: .status(
                            413,
                            headers: [("Connection", "close")],
                            body: "request body larger than \(self.maxRequestBodySize) bytes"
                        ),
                        keepAlive: false
                    )
                )
                self.answerNext(context: context)
                return
            }
            self.body.writeBuffer(&part)
        case .end:
            guard !self.isDiscarding, let head = self.head else { return }
            self.head = nil
            // Benchmarks turn recording off; then the request is only counted, not copied.
            let record = {
                RecordedRequest(
                    method: head.method.rawValue,
                    uri: head.uri,
                    headers: head.headers.map { (name: $0.name, value: $0.value) },
                    body: Array(self.body.readableBytesView),
                    connectionID: self.connectionID
                )
            }
            let request = self.broker.configuration.recordsRequests ? record() : nil
            let behavior = self.broker.receive(request).answering(request ?? record())
            self.body.clear()
            self.waiting.append(Exchange(behavior: behavior, keepAlive: head.isKeepAlive))
            self.answerNext(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.writeLargeBody(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isClosed = true
        self.timer?.cancel()
        self.timer = nil
        self.largeBody = nil
        self.waiting.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !self.isClosed else { return }
        if error is HTTPParserError, !self.isResponding {
            // A malformed request gets a plain 400 and the connection is closed: the parser cannot resync.
            self.isResponding = true
            let response = EncodedResponse(
                status: 400,
                headers: [("Connection", "close")],
                body: Array("malformed HTTP request: \(error)".utf8)
            ).closing
            context.writeAndFlush(self.wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
                self.close(context: context, reset: false)
            }
        } else {
            self.close(context: context, reset: false)
        }
    }

    // MARK: - Carrying out behaviours

    private func answerNext(context: ChannelHandlerContext) {
        guard !self.isResponding, !self.isClosed, let exchange = self.waiting.popFirst() else { return }
        self.isResponding = true
        self.perform(exchange.behavior, keepAlive: exchange.keepAlive, context: context)
    }

    private func perform(_ behavior: BrokerBehavior, keepAlive: Bool, context: ChannelHandlerContext) {
        guard !self.isClosed else { return }
        switch behavior.action {
        case .respond(let response):
            let closes = !keepAlive || response.asksToClose
            context.writeAndFlush(self.wrapOutboundOut(closes ? response.closing : response.keepingAlive))
                .assumeIsolated().whenComplete { _ in
                    self.finishResponse(context: context, closes: closes)
                }

        case .delay(let duration, let then):
            self.timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) {
                self.timer = nil
                self.perform(then, keepAlive: keepAlive, context: context)
            }

        case .held(let gate, let then):
            let handler = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            gate.whenOpen { [eventLoop = context.eventLoop] in
                eventLoop.execute {
                    let (connection, context) = handler.value
                    connection.perform(then, keepAlive: keepAlive, context: context)
                }
            }

        case .hang:
            // Nothing: the connection stays open, and later requests on it wait, until the broker closes it.
            break

        case .close(let reset):
            self.close(context: context, reset: reset)

        case .closeMidResponse(let status, let reset):
            let length = BrokerBehavior.truncatedResponseLength
            var response = EncodedResponse.head(
                status: status,
                headers: [("Content-Length", String(length))],
                bodyLength: nil,
                closes: false
            )
            response.writeRepeatingByte(UInt8(ascii: "x"), count: length / 2)
            context.writeAndFlush(self.wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
                self.close(context: context, reset: reset)
            }

        case .raw(let bytes):
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(bytes: bytes))).assumeIsolated().whenComplete { _ in
                self.close(context: context, reset: false)
            }

        case .drip(let status, let body, let interval):
            let response = EncodedResponse(status: status, headers: [], body: body)
            self.drip(
                keepAlive ? response.keepingAlive : response.closing,
                every: TimeAmount(interval),
                closes: !keepAlive,
                context: context
            )

        case .echo:
            // Turned into a plain answer (`BrokerBehavior.answering`) when the request was received.
            self.close(context: context, reset: false)

        case .largeBody(let status, let size):
            let head = EncodedResponse.head(status: status, headers: [], bodyLength: size, closes: !keepAlive)
            context.write(self.wrapOutboundOut(head), promise: nil)
            // One chunk serves every write: slices of it share its storage, so the body is never in memory.
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: min(size, Self.largeBodyChunkSize))
            self.largeBody = (remaining: size, chunk: chunk, closes: !keepAlive)
            self.writeLargeBody(context: context)
        }
    }

    /// Writes the next byte of `rest`, then schedules the one after.
    private func drip(_ rest: ByteBuffer, every interval: TimeAmount, closes: Bool, context: ChannelHandlerContext) {
        var rest = rest
        guard !self.isClosed else { return }
        guard let byte = rest.readSlice(length: 1) else {
            self.finishResponse(context: context, closes: closes)
            return
        }
        context.writeAndFlush(self.wrapOutboundOut(byte), promise: nil)
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(in: interval) {
            self.timer = nil
            self.drip(rest, every: interval, closes: closes, context: context)
        }
    }

    /// Writes chunks of the large body while the channel is writable; resumes on `channelWritabilityChanged`.
    private func writeLargeBody(context: ChannelHandlerContext) {
        guard var stream = self.largeBody, !self.isClosed else { return }
        while stream.remaining > 0, context.channel.isWritable {
            let length = min(stream.remaining, stream.chunk.readableBytes)
            stream.remaining -= length
            let slice = stream.chunk.getSlice(at: stream.chunk.readerIndex, length: length) ?? stream.chunk
            context.write(self.wrapOutboundOut(slice), promise: nil)
        }
        if stream.remaining > 0 {
            self.largeBody = stream
            context.flush()
            return
        }
        self.largeBody = nil
        let closes = stream.closes
        context.writeAndFlush(self.wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
            self.finishResponse(context: context, closes: closes)
        }
    }

    private func finishResponse(context: ChannelHandlerContext, closes: Bool) {
        if closes {
            self.close(context: context, reset: false)
        } else {
            self.isResponding = false
            self.answerNext(context: context)
        }
    }

    /// Closes with a FIN, or with a RST when `reset` (`SO_LINGER` on with a zero timeout makes `close` reset).
    private func close(context: ChannelHandlerContext, reset: Bool) {
        guard !self.isClosed else { return }
        self.isClosed = true
        guard reset, let socket = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
