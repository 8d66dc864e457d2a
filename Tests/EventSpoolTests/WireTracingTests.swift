import EventSpoolTesting
import Instrumentation
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolWebhook

/// A W3C Trace Context instrument for tests: it injects the `traceparent` (and `tracestate`) held in
/// the context under ``TestTraceKey``, and nothing when the context has none. A real `Instrument`,
/// bootstrapped once for the whole test process; other tests' contexts carry no such key.
struct TestTraceInstrument: Instrument {
    func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Carrier == Inject.Carrier {
        guard let trace = context[TestTraceKey.self] else { return }
        injector.inject(trace.traceparent, forKey: "traceparent", into: &carrier)
        if let tracestate = trace.tracestate {
            injector.inject(tracestate, forKey: "tracestate", into: &carrier)
        }
        for (name, value) in trace.others {
            injector.inject(value, forKey: name, into: &carrier)
        }
    }

    func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract: Extractor, Carrier == Extract.Carrier {
        guard let traceparent = extractor.extract(key: "traceparent", from: carrier) else { return }
        context[TestTraceKey.self] = TestTrace(
            traceparent: traceparent,
            tracestate: extractor.extract(key: "tracestate", from: carrier)
        )
    }

    /// Bootstraps the instrument, once per process (the system refuses a second bootstrap).
    static let bootstrapped: Void = InstrumentationSystem.bootstrap(TestTraceInstrument())
}

struct TestTrace: Sendable {
    var traceparent: String
    var tracestate: String?
    var others: [(String, String)] = []
}

enum TestTraceKey: ServiceContextKey {
    typealias Value = TestTrace
}

@Suite(.timeLimit(.minutes(2)))
struct WireTracingTests {
    static let contextTraceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    static let eventTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    init() {
        TestTraceInstrument.bootstrapped
    }

    /// Delivers `event` to a fresh test broker inside `trace`'s context (none when `nil`), and returns
    /// the request as the broker saw it.
    func deliver(
        _ event: Event,
        in trace: TestTrace?,
        format: BrokerConfiguration.EventFormat = .binary
    )
        async throws -> RecordedRequest
    {
        try await withTestBroker { broker in
            let configuration = BrokerConfiguration(url: broker.url, eventFormat: format)
            _ = try await WireTestSupport.withClient(configuration) { client in
                var context = ServiceContext.topLevel
                if let trace { context[TestTraceKey.self] = trace }
                return await ServiceContext.withValue(context) { await client.deliver(event) }
            }
            return try #require(try await broker.waitForRequests(count: 1).first)
        }
    }

    @Test func theCurrentContextIsInjectedWhenTheEventHasNone() async throws {
        let request = try await deliver(
            Event(type: "t", source: "/s", text: "{}"),
            in: TestTrace(traceparent: Self.contextTraceparent, tracestate: "vendor=1", others: [("baggage", "user=7")])
        )
        #expect(request.headerValues("traceparent") == [Self.contextTraceparent])
        #expect(request.headerValues("tracestate") == ["vendor=1"])
        #expect(request.headerValues("baggage") == ["user=7"])
    }

    @Test func theEventsOwnTraceparentWins() async throws {
        let event = Event(type: "t", source: "/s", text: "{}", traceparent: Self.eventTraceparent, tracestate: "mine=2")
        let request = try await deliver(
            event,
            in: TestTrace(traceparent: Self.contextTraceparent, tracestate: "vendor=1")
        )
        #expect(request.headerValues("traceparent") == [Self.eventTraceparent])
        #expect(request.headerValues("tracestate") == ["mine=2"])
    }

    @Test func noContextMeansNoTraceHeaders() async throws {
        let request = try await deliver(Event(type: "t", source: "/s", text: "{}"), in: nil)
        #expect(request.header("traceparent") == nil)
        #expect(request.header("tracestate") == nil)
    }

    @Test func malformedOrReservedInjectedHeadersAreLeftOut() async throws {
        let request = try await deliver(
            Event(type: "t", source: "/s", text: "{}"),
            in: TestTrace(
                traceparent: "00-not-a-trace",
                tracestate: "vendor=1",
                others: [("ce-id", "forged"), ("Content-Type", "text/evil"), ("x-bad", "a\r\nInjected: yes")]
            )
        )
        #expect(request.header("traceparent") == nil)
        // A tracestate means nothing without its traceparent.
        #expect(request.header("tracestate") == nil)
        #expect(request.headerValues("ce-id").count == 1)
        #expect(request.header("ce-id") != "forged")
        #expect(request.headerValues("content-type") == ["application/json"])
        #expect(request.header("x-bad") == nil)
        #expect(request.header("injected") == nil)
    }

    @Test func aPublishedEventKeepsThePublishersContext() {
        let event = Event(type: "t", source: "/s", text: "{}")
        var context = ServiceContext.topLevel
        context[TestTraceKey.self] = TestTrace(traceparent: Self.contextTraceparent, tracestate: "vendor=1")
        let adopted = ServiceContext.withValue(context) { TraceHeaders.adoptingCurrentContext(event) }
        #expect(adopted.traceparent == Self.contextTraceparent)
        #expect(adopted.tracestate == "vendor=1")
        #expect(TraceHeaders.adoptingCurrentContext(event).traceparent == nil)
        let own = Event(type: "t", source: "/s", text: "{}", traceparent: Self.eventTraceparent)
        #expect(
            ServiceContext.withValue(context) { TraceHeaders.adoptingCurrentContext(own) }.traceparent
                == Self.eventTraceparent
        )
    }

    @Test func theContextOfAPublishIsStoredInTheSpoolAndSentOnTheRetry() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            try await withTestBroker { broker in
                let configuration = Publisher.Configuration(
                    broker: BrokerConfiguration(url: broker.url),
                    spool: SpoolConfiguration(directory: directory + "/spool")
                )
                let spool = try DirectorySpool(configuration: configuration.spool, logger: quietLogger)
                let publisher = try Publisher(
                    configuration: configuration,
                    spool: spool,
                    logger: quietLogger
                )
                broker.enqueue(.status(503))
                var context = ServiceContext.topLevel
                context[TestTraceKey.self] = TestTrace(traceparent: Self.contextTraceparent, tracestate: "vendor=1")
                let outcome = try await ServiceContext.withValue(context) {
                    try await publisher.publish(Event(type: "t", source: "/s", text: "{}"))
                }
                await publisher.shutdown()
                guard case .spooled(let key, _) = outcome else {
                    Issue.record("not spooled: \(outcome)")
                    return
                }
                let stored = try #require(try await spool.get(key, in: .pending).events.first?.event)
                #expect(stored.traceparent == Self.contextTraceparent)
                #expect(stored.tracestate == "vendor=1")

                // A later attempt, from a task with no trace context at all, carries the stored one.
                _ = try await WireTestSupport.withClient(BrokerConfiguration(url: broker.url)) { client in
                    await client.deliver(stored)
                }
                await spool.shutdown()
                let requests = try await broker.waitForRequests(count: 2)
                #expect(
                    requests.map { $0.header("traceparent") } == [Self.contextTraceparent, Self.contextTraceparent]
                )
            }
        }
    }
}
