import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

/// Scenario 5 of `docs/reliability.md`: one table of hostile broker answers, each sent to a sweeper with a
/// one-second client timeout, each ending in the classification `docs/delivery.md` and `docs/sweeper.md`
/// document — delivered, retried later (and when), given up, or endpoint gone — never a crash or a hang.
@Suite(.timeLimit(.minutes(2)))
struct HostileBrokerTests {
    /// What the sweeper must make of an answer.
    enum Expected: Sendable {
        /// Delivered and removed.
        case delivered
        /// Left pending, retried `after` seconds later; the recorded error contains `message`.
        case retry(after: Double, message: String)
        /// Given up (dead-lettered); the recorded error contains `message`.
        case deadLetter(message: String)
        /// 410: the pass stops and the event stays pending.
        case endpointGone
    }

    struct Row: Sendable, CustomStringConvertible {
        var name: String
        /// `nil`: the broker is not listening (connections refused).
        var behavior: BrokerBehavior?
        var expected: Expected

        var description: String { name }
    }

    /// The sweeper's clock: a whole second, so an HTTP date names it exactly.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    /// The wait after a first failure without `Retry-After` (the retry policy's base delay, no jitter).
    static let backoff = 1.0

    static let rows: [Row] = {
        var rows: [Row] = [
            Row(name: "refused", behavior: nil, expected: .retry(after: backoff, message: "connection refused")),
            Row(
                name: "reset before headers",
                behavior: .resetBeforeResponse,
                expected: .retry(after: backoff, message: "connection reset by the broker")
            ),
            Row(
                name: "reset mid-body",
                behavior: .resetMidResponse(status: 200),
                expected: .retry(after: backoff, message: "connection reset by the broker")
            ),
            Row(
                name: "closed mid-body",
                behavior: .closeMidResponse(status: 200),
                expected: .retry(after: backoff, message: "closed in the middle of an HTTP 200 response")
            ),
            Row(
                name: "closed before any byte",
                behavior: .closeBeforeResponse,
                expected: .retry(after: backoff, message: "connection closed before any response")
            ),
            Row(
                name: "never answers",
                behavior: .hang,
                expected: .retry(after: backoff, message: "timed out after 1s")
            ),
            Row(
                name: "one byte per second",
                behavior: .drip(status: 200, body: "ok", interval: .seconds(1)),
                expected: .retry(after: backoff, message: "timed out after 1s")
            ),
            Row(
                name: "non-HTTP garbage",
                behavior: .raw(Array("SSH-2.0-OpenSSH_9.2\r\n\u{0}\u{1}\u{2}garbage".utf8)),
                expected: .retry(after: backoff, message: "not an HTTP response")
            ),
            Row(
                name: "HTTP/0.9-style body without a status line",
                behavior: .raw(Array("<html>hello</html>\n".utf8)),
                expected: .retry(after: backoff, message: "not an HTTP response")
            ),
            Row(
                name: "100 Continue, then 204",
                behavior: .raw(Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n".utf8)),
                expected: .delivered
            ),
            Row(
                // An interim answer is never final for libcurl: it waits for the real one, which never comes.
                name: "a 1xx and then nothing",
                behavior: .raw(Array("HTTP/1.1 199 Odd\r\nContent-Length: 0\r\n\r\n".utf8)),
                expected: .retry(after: backoff, message: "closed in the middle of an HTTP 199 response")
            ),
            Row(
                name: "101 Switching Protocols",
                behavior: .raw(
                    Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8)
                ),
                expected: .retry(after: backoff, message: "closed in the middle of an HTTP 101 response")
            ),
            Row(
                name: "a status outside 100-599",
                behavior: .status(999),
                expected: .retry(after: backoff, message: "not a valid HTTP status")
            ),
            Row(name: "10 MiB body with 200", behavior: .largeBody(status: 200, size: 10 << 20), expected: .delivered),
            Row(
                name: "10 MiB body with 503",
                behavior: .largeBody(status: 503, size: 10 << 20),
                expected: .retry(after: backoff, message: "HTTP 503")
            ),
        ]
        for status in [200, 201, 202, 204, 299] {
            rows.append(Row(name: "\(status)", behavior: .status(status), expected: .delivered))
        }
        for status in [301, 302, 303, 307, 308] {
            rows.append(
                Row(
                    name: "\(status) with Location",
                    behavior: .status(status, headers: [("Location", "http://127.0.0.1:9/elsewhere")]),
                    expected: .deadLetter(message: "redirects are not followed")
                )
            )
        }
        for status in [400, 401, 403, 404, 409, 413, 422, 501, 505, 599] {
            rows.append(
                Row(name: "\(status)", behavior: .status(status), expected: .deadLetter(message: "HTTP \(status)"))
            )
        }
        for status in [408, 425, 429, 500, 502, 503, 504] {
            rows.append(
                Row(
                    name: "\(status)",
                    behavior: .status(status, body: "try later"),
                    expected: .retry(after: backoff, message: "HTTP \(status)")
                )
            )
        }
        rows.append(Row(name: "410", behavior: .status(410, body: "gone"), expected: .endpointGone))
        let retryAfter: [(String, String, Double)] = [
            ("seconds", "120", 120),
            ("HTTP date", httpDate(now.addingTimeInterval(300)), 300),
            ("date in the past", httpDate(now.addingTimeInterval(-300)), backoff),
            ("garbage", "soon-ish", 60),
            ("negative", "-5", 60),
            ("huge", "99999999999999999999999", 6 * 3600),
            ("a year", "31536000", 6 * 3600),
        ]
        for (name, value, seconds) in retryAfter {
            for status in [429, 503] {
                rows.append(
                    Row(
                        name: "\(status), Retry-After \(name)",
                        behavior: .status(status, headers: [("Retry-After", value)]),
                        expected: .retry(after: seconds, message: "HTTP \(status)")
                    )
                )
            }
        }
        return rows
    }()

    @Test(arguments: rows)
    func eachAnswerEndsInItsDocumentedClassification(_ row: Row) async throws {
        try await TemporaryDirectory.with { directory in
            try await withTestBroker { broker in
                if let behavior = row.behavior {
                    broker.setDefaultBehavior(behavior)
                } else {
                    try await broker.stopListening()
                }
                let clock = ManualWallClock(Self.now)
                let spool = try DirectorySpool(
                    configuration: SpoolConfiguration(directory: directory("spool")),
                    clock: clock,
                    logger: quietLogger
                )
                let event = Event(id: "hostile-1", type: "com.example.hostile", source: "/reliability", text: "{}")
                _ = try await spool.put([SpooledEvent(event: event, delivery: DeliveryRecord(spooledAt: Self.now))])
                let sweeper = try Sweeper(
                    configuration: Sweeper.Configuration(
                        broker: BrokerConfiguration(url: broker.url, connectTimeout: .seconds(1), timeout: .seconds(1)),
                        spool: SpoolConfiguration(directory: directory("spool")),
                        retry: RetryPolicy(baseDelay: .seconds(Self.backoff), jitter: 0),
                        concurrency: 1,
                        circuitBreakerThreshold: 0
                    ),
                    spool: spool,
                    clock: clock,
                    logger: quietLogger
                )
                let report = await sweeper.sweep()
                await sweeper.shutdown()
                var pending: [SpooledEvent] = []
                for try await entry in spool.list(.pending) {
                    pending += try await spool.get(entry.key, in: .pending).events
                }
                await spool.shutdown()

                #expect(report.quarantined == 0 && report.failure == nil, "\(report)")
                switch row.expected {
                case .delivered:
                    #expect(report.delivered == 1 && pending.isEmpty, "\(report)")
                case .retry(let after, let message):
                    #expect(report.deferred == 1 && pending.count == 1, "\(report)")
                    let record = pending.first?.delivery
                    #expect(record?.attempts == 1)
                    #expect(record?.lastError?.message.contains(message) == true, "\(String(describing: record))")
                    let wait = record.map { $0.nextAttemptAt.timeIntervalSince(Self.now) }
                    #expect(wait.map { abs($0 - after) < 0.001 } == true, "waits \(String(describing: wait)) s")
                case .deadLetter(let message):
                    #expect(report.deadLettered == 1 && pending.isEmpty, "\(report)")
                    #expect(report.givenUp.first?.lastError?.message.contains(message) == true, "\(report.givenUp)")
                case .endpointGone:
                    #expect(report.endpointGone && report.stoppedEarly == .endpointGone, "\(report)")
                    #expect(pending.count == 1 && pending.first?.delivery.attempts == 1)
                }
                // One request per event: redirects are not followed, and nothing is retried within a pass.
                #expect(broker.requestCount == (row.behavior == nil ? 0 : 1))
            }
        }
    }

    @Test func aTenMebibyteAnswerIsNeverBuffered() async throws {
        try await TemporaryDirectory.with { directory in
            try await withTestBroker { broker in
                // The warm-up answer already exceeds the body cap; the measured one is 10 MiB.
                broker.enqueue(.largeBody(status: 200, size: 256 << 10), .largeBody(status: 200, size: 10 << 20))
                let child = try ChildProcess(
                    "eventspool-crashtest",
                    ["deliver", "--broker-url", broker.url],
                    stderrPath: directory("deliver.stderr")
                )
                let status = await child.exitStatus()
                #expect(status == 0, "\(child.errorOutput)")
                let report = try #require(
                    child.output.first.flatMap {
                        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
                    }
                )
                #expect(report["outcome"] == "delivered" && report["status"] == "200", "\(report)")
                let before = Int(report["peakResidentBytesBefore"] ?? "") ?? 0
                let after = Int(report["peakResidentBytesAfter"] ?? "") ?? Int.max
                let growth = after - before
                #expect(before > 0 && growth < 4 << 20, "peak RSS grew by \(growth) bytes over a 10 MiB answer")
                print(
                    "[reliability] hostile broker: \(Self.rows.count) answers classified as documented; "
                        + "peak RSS growth over a 10 MiB answer \(growth / 1024) KiB "
                        + "(limit 4 MiB: a buffered body would pass 10 MiB)"
                )
            }
        }
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate) for a `Retry-After` header.
private func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
}
