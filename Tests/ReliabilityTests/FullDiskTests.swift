import EventSpoolTesting
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

#if canImport(Glibc)
import Glibc
#endif

/// Scenario 2 of `docs/reliability.md`: the disk under the spool fills up or fails while the broker is down.
/// A publish must then throw `.notDurable` with its event, leave nothing partial, and never call a failed
/// flush durable; a sweeper meeting a read error goes on with the rest.
@Suite(.timeLimit(.minutes(2)))
struct FullDiskTests {
    /// One injected failure: which call, with which errno, in which publisher mode.
    struct Case: Sendable, CustomStringConvertible {
        /// The system call, as ``SpoolSyscallRecorder`` names it.
        var operation: String
        var errno: Errno
        var writeAhead: Bool
        /// Only calls on paths containing this fail (the destination folder for `fsync`).
        var pathContaining: String

        var description: String {
            "\(operation) fails with \(errno.description) (\(writeAhead ? "writeAhead" : "fallback"))"
        }
    }

    static let cases: [Case] = ["write", "fdatasync", "rename", "fsync"].flatMap { operation in
        [Errno.noSpace, .ioError, .diskQuotaExceeded].flatMap { errno in
            [false, true].map { writeAhead in
                // The fsync that fails is the destination folder's, after the rename (step 6 of the protocol).
                Case(
                    operation: operation,
                    errno: errno,
                    writeAhead: writeAhead,
                    pathContaining: operation == "fsync" ? "pending/" : ""
                )
            }
        }
    }

    @Test(arguments: cases)
    func aFailedWriteThrowsNotDurableAndLeavesNothing(_ failure: Case) async throws {
        try await TemporaryDirectory.with { directory in
            try await withDownBroker { url in
                let (faults, spool, publisher) = try Self.publisherOnFaultySpool(
                    url: url,
                    directory: directory,
                    failure.writeAhead
                )
                // One event spooled before the fault: its folders exist and are flushed, so the fault hits
                // the object write itself.
                let before = Self.event("before")
                _ = try await publisher.publish(before)

                faults.fail(failure.operation, with: failure.errno, pathContaining: failure.pathContaining)
                let event = Self.event("during")
                let thrown = await #expect(throws: PublishError.self) { try await publisher.publish(event) }
                #expect(thrown?.code == .notDurable)
                #expect(thrown?.event == event, "the error carries the whole event")
                let cause = thrown?.cause as? SpoolError
                #expect(cause?.errno == failure.errno, "\(String(describing: thrown))")
                #expect(faults.injected.count == 1, "\(faults.injected)")

                // Nothing partial: the only object is the earlier one, whole; tmp/ is empty.
                #expect(SpoolFiles.eventIDs(under: directory("spool/pending")) == [before.id])
                #expect(SpoolFiles.objects(under: directory("spool/pending")).count == 1)
                #expect(SpoolFiles.names(in: directory("spool/tmp")).isEmpty)
                // A flush that failed was the last one on that file: never retried and then called durable.
                let flushedTwice = faults.flushes.filter { $0.key.hasPrefix("tmp/") && $0.value > 1 }
                #expect(flushedTwice.isEmpty, "\(flushedTwice)")
                if failure.operation == "fdatasync", let failed = faults.injected.first?.split(separator: " ").last {
                    #expect(faults.flushes[String(failed)] == 1, "the file whose flush failed saw exactly one")
                }

                // The fault was one call: the next publish spools again.
                let after = Self.event("after")
                _ = try await publisher.publish(after)
                #expect(Set(SpoolFiles.eventIDs(under: directory("spool/pending"))) == [before.id, after.id])
                await publisher.shutdown()
                await spool.shutdown()
            }
        }
    }

    @Test func concurrentPublishesSharingAFailedFlushAllThrowAndNoneIsLost() async throws {
        try await TemporaryDirectory.with { directory in
            try await withDownBroker { url in
                let (faults, spool, publisher) = try Self.publisherOnFaultySpool(url: url, directory: directory, false)
                // The third object flush fails, while 16 tasks publish 10 events each (group commit).
                faults.fail("fdatasync", with: .ioError, pathContaining: "tmp/", skip: 2, times: 1)
                let results = await withTaskGroup(of: [(Event, Bool)].self) { group in
                    for task in 0..<16 {
                        group.addTask {
                            var results: [(Event, Bool)] = []
                            for number in 0..<10 {
                                let event = Self.event("t\(task)-\(number)")
                                do throws(PublishError) {
                                    _ = try await publisher.publish(event)
                                    results.append((event, true))
                                } catch {
                                    #expect(error.code == .notDurable && error.event == event)
                                    results.append((event, false))
                                }
                            }
                            return results
                        }
                    }
                    return await group.reduce(into: []) { $0 += $1 }
                }
                await publisher.shutdown()
                await spool.shutdown()

                let stored = Set(SpoolFiles.eventIDs(under: directory("spool/pending")))
                let returned = results.filter(\.1).map(\.0.id)
                let thrown = results.filter { !$0.1 }.map(\.0.id)
                #expect(!thrown.isEmpty, "the failed flush made some publishes throw")
                #expect(Set(returned).isSubset(of: stored), "a publish that returned is on disk")
                #expect(stored.isDisjoint(with: thrown), "a publish that threw left nothing visible")
                #expect(faults.flushes.filter { $0.key.hasPrefix("tmp/") && $0.value > 1 }.isEmpty)
                #expect(SpoolFiles.names(in: directory("spool/tmp")).isEmpty)
                print(
                    "[reliability] full disk (seam, group commit): \(results.count) publishes, "
                        + "\(thrown.count) threw together on one failed fdatasync, \(returned.count) stored, lost 0"
                )
            }
        }
    }

    // A 1 MiB tmpfs where this machine lets us mount (root in a permissive container); elsewhere the
    // syscall-seam tests above stand in for it.
    @Test(.enabled(if: TestEnvironment.canMountTmpfs, "needs to mount a tmpfs"))
    func aFullFileSystemMakesPublishThrowWithNothingPartial() async throws {
        try await TemporaryDirectory.with { directory in
            let mountPoint = directory("tiny")
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
            try #require(mount("tmpfs", mountPoint, "tmpfs", 0, "size=1m,mode=0700") == 0, "mount: errno \(errno)")
            defer { umount2(mountPoint, Int32(MNT_DETACH)) }

            try await withDownBroker { url in
                let spoolDirectory = mountPoint + "/spool"
                var configuration = Self.publisherConfiguration(url: url, directory: directory, false)
                configuration.spool = SpoolConfiguration(directory: spoolDirectory)
                let publisher = try Publisher(configuration: configuration, logger: quietLogger)
                let body = String(repeating: "x", count: 16 * 1024)
                let results = await withTaskGroup(of: [(Event, PublishError?)].self) { group in
                    for task in 0..<8 {
                        group.addTask {
                            var results: [(Event, PublishError?)] = []
                            // A 1 MiB file system holds fewer than 64 such events; each task stops at its
                            // first failure.
                            for number in 0..<64 {
                                let event = Event(
                                    id: "full-t\(task)-\(number)",
                                    type: "com.example.full",
                                    source: "/reliability",
                                    text: body
                                )
                                do throws(PublishError) {
                                    _ = try await publisher.publish(event)
                                    results.append((event, nil))
                                } catch {
                                    results.append((event, error))
                                    break
                                }
                            }
                            return results
                        }
                    }
                    return await group.reduce(into: []) { $0 += $1 }
                }
                await publisher.shutdown()

                let failures = results.compactMap(\.1)
                #expect(!failures.isEmpty, "a full file system made publishes throw")
                for failure in failures {
                    #expect(failure.code == .notDurable)
                    #expect(failure.event.body.count == body.utf8.count, "the error carries the whole event")
                    let cause = failure.cause as? SpoolError
                    #expect(cause?.errno == .noSpace, "\(failure)")
                }
                let stored = SpoolFiles.eventIDs(under: spoolDirectory + "/pending")
                let objects = SpoolFiles.objects(under: spoolDirectory + "/pending")
                let returned = results.filter { $0.1 == nil }.map(\.0.id)
                #expect(Set(stored) == Set(returned), "exactly the publishes that returned are stored")
                #expect(stored.count == Set(stored).count)
                // Every object decodes: nothing partial under a final key.
                #expect(
                    objects.allSatisfy {
                        (try? SpoolObjectFormat.decodeObject(Array(FileManager.default.contents(atPath: $0) ?? Data())))
                            != nil
                    }
                )
                #expect(SpoolFiles.names(in: spoolDirectory + "/tmp").isEmpty)
                print(
                    "[reliability] full disk (tmpfs 1 MiB): \(returned.count) events stored in \(objects.count) "
                        + "objects, then \(failures.count) publishes threw notDurable (ENOSPC), "
                        + "partial objects 0, lost 0"
                )
            }
        }
    }

    @Test func aSweeperMeetingAReadErrorDeliversTheRest() async throws {
        try await TemporaryDirectory.with { directory in
            try await withTestBroker { broker in
                let clock = ManualWallClock(Date())
                let writer = try DirectorySpool(
                    configuration: SpoolConfiguration(directory: directory("spool")),
                    clock: clock,
                    logger: quietLogger
                )
                var keys: [SpoolKey] = []
                for number in 0..<10 {
                    keys.append(
                        try await writer.put([
                            SpooledEvent(event: Self.event("\(number)"), delivery: .init(spooledAt: clock.now))
                        ])
                    )
                }
                await writer.shutdown()

                let faults = SpoolSyscallRecorder(root: directory("spool"))
                let spool = try Self.faultySpool(faults, directory: directory, clock: clock)
                let sweeper = try Sweeper(
                    configuration: Sweeper.Configuration(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: SpoolConfiguration(directory: directory("spool"))
                    ),
                    spool: spool,
                    clock: clock,
                    logger: quietLogger
                )
                faults.fail("read", with: .ioError, pathContaining: keys[4].rawValue, times: 1000)
                let first = await sweeper.sweep()
                #expect(first.delivered == 9 && first.unreadable == 1, "\(first)")
                #expect(first.quarantined == 0, "an I/O error is not corruption: the object stays")
                #expect(SpoolFiles.eventIDs(under: directory("spool/pending")) == [Self.event("4").id])

                faults.clearFaults()
                let second = await sweeper.sweep()
                #expect(second.delivered == 1 && second.remaining == 0, "\(second)")
                let delivered = broker.requests.compactMap { $0.header("ce-id") }
                #expect(delivered.sorted() == (0..<10).map { Self.event("\($0)").id }.sorted())
                await sweeper.shutdown()
                await spool.shutdown()
            }
        }
    }

    // MARK: - Helpers

    private static func event(_ name: String) -> Event {
        Event(id: "disk-\(name)", type: "com.example.disk", source: "/reliability", text: #"{"name":"\#(name)"}"#)
    }

    private static func publisherConfiguration(
        url: String,
        directory: TemporaryDirectory,
        _ writeAhead: Bool
    ) -> Publisher.Configuration {
        Publisher.Configuration(
            broker: BrokerConfiguration(url: url, connectTimeout: .seconds(2), timeout: .seconds(2)),
            spool: SpoolConfiguration(directory: directory("spool")),
            mode: writeAhead ? .writeAhead : .fallback
        )
    }

    /// The spool in `directory("spool")`, its system calls going through `faults`.
    private static func faultySpool(
        _ faults: SpoolSyscallRecorder,
        directory: TemporaryDirectory,
        clock: any WallClock = SystemWallClock()
    ) throws -> DirectorySpool {
        try DirectorySpool(
            configuration: SpoolConfiguration(directory: directory("spool")),
            clock: clock,
            logger: quietLogger,
            syscalls: faults.syscalls
        )
    }

    /// A publisher to a broker at `url` over a spool whose system calls go through the returned faults.
    private static func publisherOnFaultySpool(
        url: String,
        directory: TemporaryDirectory,
        _ writeAhead: Bool
    ) throws -> (SpoolSyscallRecorder, DirectorySpool, Publisher) {
        let faults = SpoolSyscallRecorder(root: directory("spool"))
        let spool = try faultySpool(faults, directory: directory)
        let publisher = try Publisher(
            configuration: publisherConfiguration(url: url, directory: directory, writeAhead),
            spool: spool,
            logger: quietLogger
        )
        return (faults, spool, publisher)
    }

    /// Runs `body` with the URL of a broker that refuses connections.
    private func withDownBroker(_ body: (String) async throws -> Void) async throws {
        try await withRefusingURL(body)
    }
}
