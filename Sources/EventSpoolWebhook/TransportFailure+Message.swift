import EventSpoolHTTP

extension TransportFailure {
    /// A one-line description naming the broker URL (which must already be free of credentials).
    func message(url: String) -> String {
        switch self {
        case .connectionRefused:
            return "connection refused: \(url)"
        case .couldNotConnect(let reason):
            return "could not connect (\(reason)): \(url)"
        case .hostNotFound(let host):
            return "host not found (\(host)): \(url)"
        case .connectTimedOut(let after):
            return "timed out after \(Self.describe(after)) connecting to \(url)"
        case .timedOut(let after):
            return "timed out after \(Self.describe(after)) waiting for \(url)"
        case .connectionReset:
            return "connection reset by the broker: \(url)"
        case .closedBeforeResponse:
            return "connection closed before any response: \(url)"
        case .closedMidResponse(let status?):
            return "connection closed in the middle of an HTTP \(status) response: \(url)"
        case .closedMidResponse(nil):
            return "connection closed in the middle of the response: \(url)"
        case .notHTTP:
            return "not an HTTP response from \(url)"
        case .tls(let reason):
            return "TLS failure (\(reason)): \(url)"
        case .connectionError(let reason):
            return "connection failed (\(reason)): \(url)"
        case .cancelled:
            return "cancelled before the broker answered: \(url)"
        case .shutDown:
            return "broker client shut down before the broker answered: \(url)"
        case .other(let reason):
            return "delivery failed (\(reason)): \(url)"
        }
    }

    /// `5s`, `1.5s` or `300ms`.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 {
            return "\(milliseconds)ms"
        }
        if milliseconds % 1000 == 0 {
            return "\(milliseconds / 1000)s"
        }
        var text = "\(milliseconds / 1000).\(String(1000 + milliseconds % 1000).dropFirst())"
        while text.hasSuffix("0") {
            text.removeLast()
        }
        return text + "s"
    }
}
