import EventSpoolS3
import EventSpoolStorage

extension S3Configuration {
    /// The same bucket as a spool's object store: endpoint, bucket, region, prefix and credentials; the spool's own
    /// settings (lease, timeout, host id) at their defaults, for a test to change.
    package var objectStore: SpoolConfiguration.ObjectStore {
        SpoolConfiguration.ObjectStore(
            endpoint: endpoint,
            bucket: bucket,
            region: region,
            prefix: prefix,
            credentials: credentials.map {
                SpoolConfiguration.ObjectStore.Credentials(
                    accessKeyID: $0.accessKeyID,
                    secretAccessKey: $0.secretAccessKey,
                    sessionToken: $0.sessionToken
                )
            },
            pathStyle: pathStyle
        )
    }
}
