import EventSpool
import Foundation
import Logging

/// Spool contents made with the library itself, as a publisher would have left them.
enum SpoolFixture {
    /// Puts `events` one-event objects into the spool at `directory`, each with one failed attempt; returns their ids.
    @discardableResult
    static func put(
        events: Int,
        into directory: String,
        state: SpoolState = .pending,
        body: [UInt8] = Array(#"{"fixture":true}"#.utf8)
    ) async throws -> [String] {
        let spool = try DirectorySpool(configuration: SpoolConfiguration(directory: directory), logger: logger)
        var ids: [String] = []
        for _ in 0..<events {
            let event = Event(type: "com.example.fixture", source: "/fixtures", body: body)
            var record = DeliveryRecord(spooledAt: Date())
            record.record(attemptAt: Date(), error: AttemptError(status: 503, message: "HTTP 503: overloaded"))
            let key = try await spool.put([SpooledEvent(event: event, delivery: record)])
            if state != .pending {
                try await spool.move(key, from: .pending, to: state)
            }
            ids.append(event.id)
        }
        await spool.shutdown()
        return ids
    }

    /// Puts one object holding an event per `(id, spooledAt)`; returns its key.
    static func putObject(_ events: [(String, Date)], into directory: String) async throws -> String {
        let spool = try DirectorySpool(configuration: SpoolConfiguration(directory: directory), logger: logger)
        let key = try await spool.put(
            events.map { id, spooledAt in
                SpooledEvent(
                    event: Event(id: id, type: "com.example.fixture", source: "/fixtures", text: "{}"),
                    delivery: DeliveryRecord(spooledAt: spooledAt)
                )
            }
        )
        await spool.shutdown()
        return key.rawValue
    }

    static let logger = Logger(label: "spoolctl-tests")
}

/// One event of a fixture object, with everything a test may want to set.
struct FixtureEvent {
    var id: String
    var type = "com.example.fixture"
    var orderingKey: String?
    var spooledAt = Date()
    var due: Date?
    /// The last failed attempt's error, `nil` for an event never attempted.
    var lastError: AttemptError? = AttemptError(status: 503, message: "HTTP 503: overloaded")
    var deadReason: String?

    var spooled: SpooledEvent {
        var record = DeliveryRecord(spooledAt: spooledAt)
        if let lastError {
            record.record(attemptAt: spooledAt, error: lastError)
        }
        record.nextAttemptAt = due ?? spooledAt
        record.deadReason = deadReason
        return SpooledEvent(
            event: Event(id: id, type: type, source: "/fixtures", orderingKey: orderingKey, text: #"{"id":"\#(id)"}"#),
            delivery: record
        )
    }
}

extension SpoolFixture {
    /// Puts each list of events as one object (in order, so keys sort as listed) into `state`; returns the keys.
    @discardableResult
    static func put(
        objects: [[FixtureEvent]],
        into directory: String,
        state: SpoolState = .pending
    ) async throws -> [String] {
        let spool = try DirectorySpool(configuration: SpoolConfiguration(directory: directory), logger: logger)
        let keys = try await put(objects: objects, into: spool, state: state)
        await spool.shutdown()
        return keys
    }

    /// Puts each list of events as one object (in order) into `state` of `spool`; returns the keys.
    static func put(objects: [[FixtureEvent]], into spool: any Spool, state: SpoolState) async throws -> [String] {
        var keys: [String] = []
        for events in objects {
            let key = try await spool.put(events.map(\.spooled))
            if state != .pending {
                try await spool.move(key, from: .pending, to: state)
            }
            keys.append(key.rawValue)
        }
        return keys
    }

    /// The events in `state` of the spool at `directory`, in key order, read with the library.
    static func events(in state: SpoolState, of directory: String) async throws -> [SpooledEvent] {
        let spool = try DirectorySpool.openForReading(
            configuration: SpoolConfiguration(directory: directory),
            logger: logger
        )
        var events: [SpooledEvent] = []
        for try await entry in spool.list(state) {
            events += try await spool.get(entry.key, in: state).events
        }
        await spool.shutdown()
        return events
    }
}
