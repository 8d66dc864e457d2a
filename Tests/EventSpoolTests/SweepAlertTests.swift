import Configuration
import EventSpoolTesting
import Foundation
import Testing

@testable import EventSpool

/// The backlog alert: the pure decision, its configuration, its report fields, and a real pass.
@Suite("Sweep alert")
struct SweepAlertTests {
    static let limits = SpoolConfiguration.Limits(maxBytes: 1000, maxObjects: 100)

    /// A finished sweep report leaving `remaining` events, the oldest `oldest` old.
    static func report(oldest: Duration?, remaining: Int = 1) -> SweepReport {
        var report = SweepReport(kind: .sweep, spoolDirectory: "/spool", startedAt: SweeperFixture.start)
        report.remaining = remaining
        report.oldestPendingAge = oldest
        return report
    }

    @Test("the oldest pending event alerts at the threshold, not below, and never when the threshold is 0")
    func oldestPending() {
        let thresholds = SweepAlert.Thresholds(oldestPending: .seconds(900), pendingObjects: 0, pendingBytes: 0)
        func breaches(_ age: Duration?, _ thresholds: SweepAlert.Thresholds = thresholds) -> [SweepAlert.Breach] {
            SweepAlert.breaches(
                report: Self.report(oldest: age),
                pending: .empty,
                limits: Self.limits,
                thresholds: thresholds
            )
        }
        #expect(breaches(.seconds(899)).isEmpty)
        #expect(breaches(nil).isEmpty)
        #expect(breaches(.seconds(900)) == [SweepAlert.Breach(.oldestPending, value: 900, setting: 900)])
        #expect(breaches(.seconds(7200)).map(\.value) == [7200])
        #expect(breaches(.seconds(7200), .off).isEmpty)
    }

    @Test("pending objects and bytes alert at their fraction of the spool limits")
    func pendingFractions() {
        let thresholds = SweepAlert.Thresholds(oldestPending: .zero, pendingObjects: 0.8, pendingBytes: 0.5)
        func breaches(objects: Int, bytes: Int64) -> [SweepAlert.Breach] {
            SweepAlert.breaches(
                report: Self.report(oldest: .seconds(1)),
                pending: SpoolOccupancy(objects: objects, bytes: bytes),
                limits: Self.limits,
                thresholds: thresholds
            )
        }
        #expect(breaches(objects: 79, bytes: 499).isEmpty)
        #expect(breaches(objects: 80, bytes: 0) == [SweepAlert.Breach(.pendingObjects, value: 0.8, setting: 0.8)])
        #expect(breaches(objects: 0, bytes: 500) == [SweepAlert.Breach(.pendingBytes, value: 0.5, setting: 0.5)])
        #expect(breaches(objects: 100, bytes: 1000).map(\.threshold) == [.pendingObjects, .pendingBytes])
        // A spool over its limit (another process wrote meanwhile) is past any fraction; a zero limit too.
        let zero = SpoolConfiguration.Limits(maxBytes: 0, maxObjects: 0)
        let overZero = SweepAlert.breaches(
            report: Self.report(oldest: nil),
            pending: SpoolOccupancy(objects: 1, bytes: 1),
            limits: zero,
            thresholds: thresholds
        )
        #expect(overZero.map(\.value) == [1, 1])
    }

    @Test("a pass that did not run and a replay never alert; a circuit-open pass with old events does")
    func whichPasses() {
        let thresholds = SweepAlert.Thresholds(oldestPending: .seconds(900))
        var held = Self.report(oldest: .seconds(7200))
        held.lockHeld = true
        #expect(SweepAlert.breaches(report: held, pending: .empty, limits: Self.limits, thresholds: thresholds).isEmpty)
        var replay = SweepReport(kind: .replay, spoolDirectory: "/spool", startedAt: SweeperFixture.start)
        replay.oldestPendingAge = .seconds(7200)
        #expect(
            SweepAlert.breaches(report: replay, pending: .empty, limits: Self.limits, thresholds: thresholds).isEmpty
        )
        var circuitOpen = Self.report(oldest: .seconds(7200), remaining: 12)
        circuitOpen.stoppedEarly = .circuitOpen
        circuitOpen.deferred = 12
        #expect(
            SweepAlert.breaches(report: circuitOpen, pending: .empty, limits: Self.limits, thresholds: thresholds)
                .map(\.threshold) == [.oldestPending]
        )
    }

    @Test("sweeper.alert.* read with defaults, and a bad value names its full key")
    func configuration() throws {
        let broker = ["broker.url": ConfigValue(.string("http://127.0.0.1:9/events"), isSecret: false)]
        let spool = ["spool.directory": ConfigValue(.string("/tmp/spool"), isSecret: false)]
        func read(_ values: [AbsoluteConfigKey: ConfigValue]) throws -> Sweeper.Configuration {
            var all: [AbsoluteConfigKey: ConfigValue] = [:]
            for (key, value) in broker.merging(spool, uniquingKeysWith: { $1 }) {
                all[AbsoluteConfigKey(ConfigKey(key))] = value
            }
            all.merge(values) { $1 }
            return try Sweeper.Configuration(config: ConfigReader(provider: InMemoryProvider(values: all)))
        }
        #expect(try read([:]).alert == SweepAlert.Thresholds())
        #expect(
            SweepAlert.Thresholds()
                == SweepAlert.Thresholds(oldestPending: .seconds(3600), pendingObjects: 0.8, pendingBytes: 0.8)
        )
        let set = try read([
            "sweeper.alert.oldestPending": "15m", "sweeper.alert.pendingObjects": 0.5, "sweeper.alert.pendingBytes": 0,
        ])
        #expect(set.alert == SweepAlert.Thresholds(oldestPending: .seconds(900), pendingObjects: 0.5, pendingBytes: 0))
        let tooBig = #expect(throws: ConfigurationError.self) { try read(["sweeper.alert.pendingObjects": 1.5]) }
        #expect(tooBig?.key == "sweeper.alert.pendingObjects")
        let negative = #expect(throws: ConfigurationError.self) { try read(["sweeper.alert.oldestPending": "-5m"]) }
        #expect(negative?.key == "sweeper.alert.oldestPending")
    }

    @Test("a real pass against a refusing broker: the alert names the endpoint without credentials and the error")
    func realPass() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                try await broker.stopListening()
                try await fixture.spoolEach((0..<12).map { testEvent("\($0)") })
                fixture.clock.advance(by: .seconds(7200))
                var configuration = fixture.configuration(broker: broker)
                let port = URL(string: broker.url)?.port ?? 0
                configuration.broker.url = "http://alice:s3cr3t-pw@127.0.0.1:\(port)/events"
                configuration.alert = SweepAlert.Thresholds(oldestPending: .seconds(900))
                let report = try await fixture.withSweeper(configuration) { await $0.sweep() }
                #expect(report.stoppedEarly == .circuitOpen)
                let alert = try #require(report.alert, "\(report.renderText(always: true))")
                #expect(alert.breaches.map(\.threshold) == [.oldestPending])
                #expect(alert.pendingEvents == 12)
                #expect(alert.pending.objects == 12)
                #expect(alert.pending.bytes > 0)
                #expect(alert.endpoint == "http://127.0.0.1:\(port)/events")
                #expect(alert.lastErrors.count == 1)
                #expect(alert.lastErrors.first?.message.contains("connection refused") == true, "\(alert.lastErrors)")
                #expect(report.needsAttention == false)

                let text = report.renderText()
                #expect(text.contains("backlog: oldest pending 2h"), "\(text)")
                #expect(text.contains("endpoint: http://127.0.0.1:\(port)/events"), "\(text)")
                #expect(text.contains("connection refused"), "\(text)")
                let json = report.renderJSON()
                for rendered in [text, json] {
                    #expect(!rendered.contains("s3cr3t") && !rendered.contains("alice"), "\(rendered)")
                }
                let decoded = try #require(try SweepReport.decodeJSON(json).alert)
                #expect(decoded.breaches == alert.breaches)
                #expect(decoded.lastErrors == alert.lastErrors)
                #expect(decoded.endpoint == alert.endpoint)
                #expect(decoded.pending == alert.pending && decoded.limits == alert.limits)

                // Back under: the broker is back, the events are delivered, the report is silent again.
                try await broker.startListening()
                fixture.clock.advance(by: .seconds(3600))
                let drained = try await fixture.withSweeper(configuration) { await $0.sweep() }
                #expect(drained.delivered == 12)
                #expect(drained.alert == nil)
                #expect(drained.renderText() == "")
                #expect(drained.renderJSON(pretty: false).contains(#""alert":null"#))
            }
        }
    }
}
