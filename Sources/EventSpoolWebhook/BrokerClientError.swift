/// A broker configuration that cannot be used.
public struct BrokerClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL concerned.
    public var url: String
    /// What is wrong.
    public var message: String

    public init(url: String, message: String) {
        self.url = url
        self.message = message
    }

    public var description: String { "broker \(url): \(message)" }
}
