import EventSpoolModel

extension BrokerConfiguration {
    /// The broker's URL without the user name and password it may carry, for reports and messages.
    public var displayURL: String {
        (try? BrokerURL(url).redacted) ?? BrokerURL.masked(url)
    }
}
