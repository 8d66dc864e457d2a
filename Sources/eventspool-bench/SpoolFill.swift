import EventSpool
import Foundation
import Logging

/// Fills a spool with due events for the sweeper rows, quickly: several spool instances on one directory (or
/// bucket), each with its own writer thread, flush objects at the same time (as several processes sharing a spool
/// would). Every object is written through the spool API, durable, as a publish would write it.
struct SpoolFill: Sendable {
    /// The spool's configuration: a directory, or a bucket (``SpoolConfiguration/objectStore``).
    var configuration: SpoolConfiguration
    var events: Int
    var writers = 4

    var eventsPerObject: Int { configuration.maxEventsPerObject }

    init(configuration: SpoolConfiguration, events: Int, writers: Int = 4) {
        self.configuration = configuration
        self.events = events
        self.writers = writers
    }

    init(directory: String, events: Int, eventsPerObject: Int) {
        self.init(
            configuration: SpoolConfiguration(
                directory: directory,
                limits: SpoolConfiguration.Limits(maxBytes: 1 << 40, maxObjects: 1 << 30),
                maxEventsPerObject: eventsPerObject
            ),
            events: events
        )
    }

    /// Writes the events; returns how many per second.
    func run(logger: Logger) async throws -> Double {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: BenchOptions.bodyBytes)
        let configuration = configuration
        let spools: [any Spool] = try (0..<writers).map { _ in
            configuration.objectStore == nil
                ? try DirectorySpool(configuration: configuration, logger: logger) as any Spool
                : try S3Spool(configuration: configuration, logger: logger)
        }
        let start = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (writer, spool) in spools.enumerated() {
                    group.addTask {
                        // Objects writer, writer + writers, … of the events / eventsPerObject objects.
                        var object = writer
                        while object * eventsPerObject < events {
                            let count = min(eventsPerObject, events - object * eventsPerObject)
                            let now = Date()
                            let batch = (0..<count).map { _ in
                                SpooledEvent(
                                    event: Event(type: "com.example.bench", source: "/bench", time: now, body: body),
                                    delivery: DeliveryRecord(spooledAt: now)
                                )
                            }
                            _ = try await spool.put(batch)
                            object += writers
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            for spool in spools { await spool.shutdown() }
            throw error
        }
        for spool in spools { await spool.shutdown() }
        return Double(events) / (ContinuousClock.now - start).seconds
    }
}
