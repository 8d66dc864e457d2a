import EventSpoolModel

extension TLSConfiguration {
    /// The transport's TLS settings.
    package var settings: TLSSettings {
        TLSSettings(
            caFile: caFile,
            certificateFile: certificateFile,
            keyFile: keyFile,
            minimumVersion: minimumVersion >= .v1_3 ? .tls1_3 : .tls1_2
        )
    }
}
