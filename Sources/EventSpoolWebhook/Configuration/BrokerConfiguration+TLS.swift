import EventSpoolHTTP
import EventSpoolModel

extension BrokerConfiguration {
    /// TLS settings for an `https` broker (``TLSConfiguration``).
    public typealias TLS = TLSConfiguration
}
