import EventSpoolModel

/// Why a request got no usable HTTP answer, independent of the HTTP library underneath.
///
/// The layer that sends the request says what happened in words for its own readers (the webhook delivery:
/// `connection refused: <url>`).
package enum TransportFailure: Sendable, Hashable {
    /// Nothing listens on the server's port.
    case connectionRefused
    /// The connection could not be made for another reason (unreachable network, …).
    case couldNotConnect(reason: String)
    /// The server's host name did not resolve.
    case hostNotFound(host: String)
    /// No connection within the connect timeout.
    case connectTimedOut(after: Duration)
    /// No complete answer within the total timeout.
    case timedOut(after: Duration)
    /// The server reset the connection.
    case connectionReset
    /// The server closed the connection before sending a status line.
    case closedBeforeResponse
    /// The server closed the connection in the middle of its answer.
    case closedMidResponse(status: Int?)
    /// The server answered with something that is not HTTP.
    case notHTTP
    /// The TLS handshake or the certificate check failed.
    case tls(reason: String)
    /// Sending or receiving failed for another reason.
    case connectionError(reason: String)
    /// The caller's task was cancelled before the answer arrived.
    case cancelled
    /// The transport was shut down before the request could be completed.
    case shutDown
    /// Anything else the HTTP library reported.
    case other(reason: String)
}
