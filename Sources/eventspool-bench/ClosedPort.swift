#if canImport(Glibc)
import Glibc
#endif

/// A loopback port that refuses connections: bound, never listening. While this holds the port no other
/// process can take it, so a connection to it is refused at once (`ECONNREFUSED`) — a broker that is down.
final class ClosedPort {
    private let socket: Int32
    let port: UInt16

    init() throws(BenchError) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, length) == 0 && getsockname(socket, address, &length) == 0
            }
        }
        guard bound else {
            close(socket)
            throw BenchError("bind 127.0.0.1:0: \(String(cString: strerror(errno)))")
        }
        self.socket = socket
        self.port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(socket)
    }

    var url: String { "http://127.0.0.1:\(port)/events" }
}
