#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a port of 127.0.0.1 that a stopped broker listened on from being taken by another server of the same
/// test process: a socket bound to it that never listens, so connections to it are still refused
/// (`ECONNREFUSED`), as a stopped broker's must be, and not answered by another test's broker.
struct PortReservation: Sendable {
    private let descriptor: Int32

    /// Binds `port`, or returns `nil` when it cannot (TIME_WAIT connections hold it, and they refuse too).
    init?(port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        // Without SO_REUSEADDR: while it is bound, no other socket can bind the port, whatever its options.
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    /// Frees the port.
    func release() {
        close(descriptor)
    }
}
