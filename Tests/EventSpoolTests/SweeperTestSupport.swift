import EventSpool
import EventSpoolTesting
import Foundation
import Logging
import TestSupport
import Testing

/// A real spool of one kind (a directory, memory, …: ``SpoolKind``), a fresh temporary directory, a manual
/// clock, and helpers to fill and inspect the spool.
final class SweeperFixture: Sendable {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21T14:13:20Z
    /// How long the sweeper's lease lasts unrenewed, for kinds whose lease can expire.
    static let leaseDuration = Duration.seconds(30)

    let kind: SpoolKind
    /// A fresh temporary directory, removed afterwards: a directory spool's directory.
    let directory: String
    let clock: ManualWallClock
    let spool: any Spool
    let opened: OpenedSpool
    let logger: Logger

    init(_ kind: SpoolKind = .directory, limits: SpoolConfiguration.Limits = .init()) async throws {
        self.kind = kind
        directory = try TemporaryDirectory(prefix: "sweeper").path
        clock = ManualWallClock(Self.start)
        logger = quietLogger
        opened = try await kind.open(
            SpoolRequest(
                location: directory,
                limits: limits,
                clock: clock,
                leaseDuration: Self.leaseDuration,
                logger: logger
            )
        )
        spool = opened.spool
    }

    /// Runs `body` with a fixture of `kind` and always removes its directory afterwards.
    static func with<T: Sendable>(
        _ kind: SpoolKind = .directory,
        limits: SpoolConfiguration.Limits = .init(),
        _ body: (SweeperFixture) async throws -> T
    ) async throws -> T {
        let fixture = try await SweeperFixture(kind, limits: limits)
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        do {
            let result = try await body(fixture)
            await fixture.opened.close()
            return result
        } catch {
            await fixture.opened.close()
            throw error
        }
    }

    /// The spool as a ``DirectorySpool``, for the tests of a directory spool only.
    var directorySpool: DirectorySpool {
        get throws { try #require(spool as? DirectorySpool, "a test of a directory spool ran on \(kind.name)") }
    }

    /// A sweeper configuration for `broker`, with no jitter unless told otherwise.
    func configuration(
        broker: TestBroker,
        retry: RetryPolicy = RetryPolicy(jitter: 0),
        concurrency: Int = 1,
        circuitBreakerThreshold: Int = 10,
        classification: DeliveryClassification = DeliveryClassification(),
        fallback: FallbackPolicy = .deadLetter,
        secondaryBroker: TestBroker? = nil
    ) -> Sweeper.Configuration {
        // Long enough that a slow answer (tests delay up to 2 s) is never cut short on a loaded machine; the
        // tests of timeouts set their own.
        let timeout = Duration.seconds(10)
        return Sweeper.Configuration(
            broker: BrokerConfiguration(url: broker.url, connectTimeout: timeout, timeout: timeout),
            secondaryBroker: secondaryBroker.map {
                BrokerConfiguration(url: $0.url, connectTimeout: timeout, timeout: timeout)
            },
            spool: spool.configuration,
            retry: retry,
            fallback: fallback,
            classification: classification,
            concurrency: concurrency,
            circuitBreakerThreshold: circuitBreakerThreshold
        )
    }

    /// Opens the fixture's spool directory again, as a second process (or a restarted one) would.
    func openSpoolAgain() throws -> DirectorySpool {
        try DirectorySpool(configuration: SpoolConfiguration(directory: directory), clock: clock, logger: logger)
    }

    /// A sweeper over this fixture's spool and clock, with seeded jitter.
    func sweeper(_ configuration: Sweeper.Configuration) throws -> Sweeper {
        try Sweeper(
            configuration: configuration,
            spool: spool,
            clock: clock,
            randomNumberGenerator: SeededRandom(seed: 42),
            logger: logger
        )
    }

    /// Runs `body` with a sweeper and shuts it down afterwards.
    func withSweeper<T: Sendable>(
        _ configuration: Sweeper.Configuration,
        _ body: (Sweeper) async throws -> T
    ) async throws -> T {
        let sweeper = try sweeper(configuration)
        do {
            let result = try await body(sweeper)
            await sweeper.shutdown()
            return result
        } catch {
            await sweeper.shutdown()
            throw error
        }
    }

    /// Writes each event as its own object, in order, spooled now and due now.
    @discardableResult
    func spoolEach(_ events: [Event], attempts: Int = 0) async throws -> [SpoolKey] {
        var keys: [SpoolKey] = []
        for event in events {
            keys.append(try await spoolTogether([event], attempts: attempts))
        }
        return keys
    }

    /// Writes `events` as one object (as group commit does), spooled now and due at `due` (now by default).
    @discardableResult
    func spoolTogether(_ events: [Event], attempts: Int = 0, due: Date? = nil) async throws -> SpoolKey {
        let now = clock.now
        let spooled = events.map {
            SpooledEvent(
                event: $0,
                delivery: DeliveryRecord(spooledAt: now, attempts: attempts, nextAttemptAt: due ?? now)
            )
        }
        return try await spool.put(spooled)
    }

    /// Every object in `state`, in key order.
    func objects(_ state: SpoolState) async throws -> [SpoolObject] {
        var objects: [SpoolObject] = []
        for try await entry in spool.list(state) {
            objects.append(try await spool.get(entry.key, in: state))
        }
        return objects
    }

    /// Every event in `state`, in key order.
    func events(_ state: SpoolState) async throws -> [SpooledEvent] {
        try await objects(state).flatMap(\.events)
    }

    /// The listing entries of `state`, in key order.
    func entries(_ state: SpoolState) async throws -> [SpoolEntry] {
        var entries: [SpoolEntry] = []
        for try await entry in spool.list(state) {
            entries.append(entry)
        }
        return entries
    }
}

/// A test event with a readable id.
func testEvent(_ name: String, type: String = "com.example.test", orderingKey: String? = nil) -> Event {
    Event(
        id: "evt-\(name)",
        type: type,
        source: "/sweeper-tests",
        time: SweeperFixture.start,
        orderingKey: orderingKey,
        text: #"{"name":"\#(name)"}"#
    )
}

extension RecordedRequest {
    /// The event id the request carried.
    var eventID: String? { header("ce-id") }
}

/// An HTTP date (RFC 9110 IMF-fixdate) for a `Retry-After` header.
func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
}
