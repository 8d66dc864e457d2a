/// A transport or a URL that cannot be used: libcurl refused to set up, or a URL is not one it can send to.
package struct TransportSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL concerned, as it may be shown (userinfo masked), when the error is about one.
    package var url: String?
    /// What is wrong.
    package var message: String

    package init(url: String? = nil, message: String) {
        self.url = url
        self.message = message
    }

    package var description: String { url.map { "\($0): \(message)" } ?? message }
}
