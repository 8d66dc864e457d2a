import EventSpool
import EventSpoolTesting
import Foundation
import Testing

/// A publisher or sweeper given an open spool refuses a configuration that describes another spool, instead of
/// silently ignoring it (it once drained the given spool whatever `configuration.spool` said).
@Suite struct SpoolConfigurationMatchTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func aConfigurationOfAnotherSpoolIsRefusedNamingWhatDiffers(kind: SpoolKind) async throws {
        try await SweeperFixture.with(kind) { fixture in
            let broker = BrokerConfiguration(url: "http://127.0.0.1:9/")
            var elsewhere = fixture.spool.configuration
            elsewhere.directory += "-elsewhere"
            var otherLimits = fixture.spool.configuration
            otherLimits.limits.maxObjects = 3

            for spool in [elsewhere, otherLimits] {
                let error = #expect(throws: ConfigurationError.self) {
                    try Sweeper(
                        configuration: .init(broker: broker, spool: spool),
                        spool: fixture.spool,
                        logger: fixture.logger
                    )
                }
                #expect(error?.key == "spool")
                #expect(
                    error?.description.contains(spool == elsewhere ? "directory" : "maxObjects '3'") == true,
                    "\(String(describing: error))"
                )
                #expect(throws: ConfigurationError.self) {
                    try Publisher(
                        configuration: .init(broker: broker, spool: spool),
                        spool: fixture.spool,
                        logger: fixture.logger
                    )
                }
            }

            // The spool's own configuration is accepted.
            let sweeper = try Sweeper(
                configuration: .init(broker: broker, spool: fixture.spool.configuration),
                spool: fixture.spool,
                logger: fixture.logger
            )
            await sweeper.shutdown()
        }
    }
}
