import NIOCore
import NIOHTTP1

/// A scripted HTTP/1.1 response, encoded once when it is scripted so that answering a request costs no
/// formatting — the broker is also the sink of the throughput benchmarks.
///
/// The bytes are written by hand rather than by NIO's response encoder because scripted responses may be
/// wrong on purpose (a lying `Content-Length`, a status no client knows).
struct EncodedResponse: Sendable {
    let status: Int
    let headers: [(String, String)]
    let bodySize: Int
    /// Whether the scripted headers themselves say `Connection: close`.
    let asksToClose: Bool
    /// The response for a connection that stays open.
    let keepingAlive: ByteBuffer
    /// The response for a connection that closes after it, with `Connection: close`.
    let closing: ByteBuffer

    init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.bodySize = body.count
        self.asksToClose = headers.contains { Self.isConnectionClose($0.0, $0.1) }
        let hasBody = !((100..<200).contains(status) || status == 204 || status == 304)  // RFC 9110 §6.4.1
        func encode(closes: Bool) -> ByteBuffer {
            var buffer = Self.head(
                status: status,
                headers: headers,
                bodyLength: hasBody ? body.count : nil,
                closes: closes
            )
            if hasBody {
                buffer.writeBytes(body)
            }
            return buffer
        }
        self.closing = encode(closes: true)
        self.keepingAlive = self.asksToClose ? self.closing : encode(closes: false)
    }

    /// The status line and headers. `Content-Length: bodyLength` is added unless `bodyLength` is nil or `headers`
    /// frame the body themselves (so a test can script a lying length); `Connection: close` is added when
    /// `closes` and `headers` do not already say it.
    static func head(status: Int, headers: [(String, String)], bodyLength: Int?, closes: Bool) -> ByteBuffer {
        let reason = HTTPResponseStatus(statusCode: status).reasonPhrase
        var text = "HTTP/1.1 \(status) \(reason)\r\n"
        var framed = false
        var saysClose = false
        for (name, value) in headers {
            text += "\(name): \(value)\r\n"
            let lowercased = name.lowercased()
            framed = framed || lowercased == "content-length" || lowercased == "transfer-encoding"
            saysClose = saysClose || Self.isConnectionClose(name, value)
        }
        if let bodyLength, !framed {
            text += "Content-Length: \(bodyLength)\r\n"
        }
        if closes, !saysClose {
            text += "Connection: close\r\n"
        }
        text += "\r\n"
        return ByteBuffer(string: text)
    }

    private static func isConnectionClose(_ name: String, _ value: String) -> Bool {
        name.lowercased() == "connection" && value.lowercased().contains("close")
    }
}
