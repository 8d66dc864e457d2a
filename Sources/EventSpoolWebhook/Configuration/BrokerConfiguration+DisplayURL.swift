import EventSpoolHTTP

extension BrokerConfiguration {
    /// The broker's URL without the user name and password it may carry, for reports and messages.
    package var displayURL: String {
        (try? HTTPURL(url).redacted) ?? HTTPURL.masked(url)
    }
}
