import EventSpoolS3
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

/// `S3RaceProbe.requirePassed`, the check before a spool's first sweeper lease: it probes once, records the pass
/// in the bucket, trusts a fresh record, probes again when the record is stale, foreign, damaged or from the
/// future, and refuses a store that fails.
@Suite(.timeLimit(.minutes(5))) struct S3RaceProbeStartupTests {
    private static let probingMessage = "probing the store's conditional writes before the first sweeper lease"

    @Test(arguments: S3TestServer.Kind.allCases)
    func probesOnceThenTrustsTheRecord(kind: S3TestServer.Kind) async throws {
        try await withBucket(kind, prefix: "spool") { client, _ in
            let handler = InMemoryLogHandler()
            let logger = Logger.recording(into: handler, level: .info)
            let record = try await S3RaceProbe.requirePassed(client: client, logger: logger)
            #expect(record.rounds == 3 && record.writers == 8 && record.races == ["create", "replace"])
            #expect(record.passedAt != nil)
            let stored = try found(try await client.get("spool/probe/passed"))
            #expect(S3ProbeRecord(json: stored.bytes) == record)

            let again = try await S3RaceProbe.requirePassed(client: client, logger: logger)
            #expect(again == record)
            #expect(probes(handler) == 1)
            try await expectNoProbeObjects(client)
        }
    }

    /// Records that vouch for nothing: too old, from the future (a clock stepped back), another server, a smaller
    /// probe, not JSON. Each is replaced by a fresh probe's record (a replace of the version read).
    @Test func aRecordThatVouchesForNothingIsProbedAgainAndReplaced() async throws {
        try await withBucket(.moto, prefix: "spool") { client, _ in
            let now = try #require(try await client.serverSoftware(key: "spool/probe/passed").date)
            let fresh = try await S3RaceProbe.requirePassed(client: client, logger: quietLogger)
            var cases: [(String, [UInt8])] = []
            var old = fresh
            old.passedAt = now.addingTimeInterval(-8 * 24 * 3600)
            cases.append(("eight days old", old.json))
            var future = fresh
            future.passedAt = now.addingTimeInterval(400 * 24 * 3600)
            cases.append(("a year ahead", future.json))
            var foreign = fresh
            foreign.server = "AnotherStore/1.0"
            cases.append(("another server", foreign.json))
            var smaller = fresh
            smaller.writers = 2
            cases.append(("two writers", smaller.json))
            cases.append(("not JSON", Array("{\"format\":1,\"passedAt\":".utf8)))
            cases.append(
                (
                    "format 2",
                    Array(
                        String(decoding: fresh.json, as: UTF8.self).replacing("\"format\":1", with: "\"format\":2").utf8
                    )
                )
            )
            for (name, bytes) in cases {
                let current = try found(try await client.head("spool/probe/passed"))
                guard
                    case .replaced = try await client.putIfMatch("spool/probe/passed", bytes: bytes, etag: current.etag)
                else {
                    Issue.record("cannot plant the record: \(name)")
                    continue
                }
                let handler = InMemoryLogHandler()
                let record = try await S3RaceProbe.requirePassed(
                    client: client,
                    logger: Logger.recording(into: handler, level: .info)
                )
                #expect(probes(handler) == 1, "\(name): no new probe")
                #expect(record.server == fresh.server && record.writers == 8, "\(name)")
                let stored = try found(try await client.get("spool/probe/passed"))
                #expect(S3ProbeRecord(json: stored.bytes) == record, "\(name): the record was not replaced")
            }
        }
    }

    @Test func aRecentRecordWithinTheAgeIsTrusted() async throws {
        try await withBucket(.moto, prefix: "spool") { client, _ in
            let fresh = try await S3RaceProbe.requirePassed(client: client, logger: quietLogger)
            let now = try #require(try await client.serverSoftware(key: "spool/probe/passed").date)
            var sixDays = fresh
            sixDays.passedAt = now.addingTimeInterval(-6 * 24 * 3600)
            let current = try found(try await client.head("spool/probe/passed"))
            _ = try await client.putIfMatch("spool/probe/passed", bytes: sixDays.json, etag: current.etag)
            let handler = InMemoryLogHandler()
            let record = try await S3RaceProbe.requirePassed(
                client: client,
                logger: Logger.recording(into: handler, level: .info)
            )
            #expect(record == sixDays)
            #expect(probes(handler) == 0)
        }
    }

    /// The non-atomic store: the check throws `notAtomic` with a message that says what failed and what EventSpool
    /// will not do, and records nothing. 30 rounds of 16 writers with 4 KiB bodies: about 40 % of rounds fail there.
    @Test func aStoreThatFailsIsRefusedAndNothingIsRecorded() async throws {
        let server = try await S3TestServer.sharedNonAtomicMoto()
        let store = try await server.makeBucket(prefix: "spool")
        let probe = S3RaceProbe(
            configuration: .init(writers: 16, rounds: 30, races: [.create, .replace], stopsAtFirstFailure: true)
        )
        try await withS3Client(configuration: store, logger: quietLogger) { client in
            do throws(S3Error) {
                try await S3RaceProbe.requirePassed(client: client, probe: probe, logger: quietLogger)
                Issue.record("a store whose conditional writes are not atomic passed")
            } catch {
                #expect(error.code == .notAtomic)
                #expect(error.description.contains("the store's conditional writes are not atomic: "))
                #expect(error.description.contains("EventSpool refuses to run a sweeper lease on it"))
                #expect(error.description.contains(" winners of 16"))
            }
            #expect(try await client.head("spool/probe/passed") == .notFound)
            try await expectNoProbeObjects(client)
        }
    }

    @Test func aStoreThatDoesNotAnswerIsNotCalledNonAtomic() async throws {
        let store = S3Configuration(
            endpoint: "http://127.0.0.1:1",
            bucket: "nowhere",
            timeout: .init(connect: .seconds(1), request: .seconds(2), operation: .seconds(2))
        )
        try await withS3Client(configuration: store, logger: quietLogger) { client in
            do throws(S3Error) {
                try await S3RaceProbe.requirePassed(client: client, logger: quietLogger)
                Issue.record("an unreachable store passed")
            } catch {
                #expect(error.code == .transport)
            }
        }
    }

    private func probes(_ handler: InMemoryLogHandler) -> Int {
        handler.entries.filter { $0.message.description == Self.probingMessage }.count
    }
}
