import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import SystemPackage
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

@Suite struct SpoolTests {
    // MARK: Round trips

    @Test func everyFieldRoundTripsThroughPutGetAndReplace() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let events = [SpoolFormatTests.richEvent, spoolTestEvent(1, body: [])]
            let key = try await spool.put(events)
            let object = try await spool.get(key, in: .pending)
            #expect(object.events == events)
            #expect(object.key == key)

            let header = try await spool.header(key, in: .pending)
            #expect(header.eventCount == 2)
            #expect(header.nextAttemptAt == object.nextAttemptAt)
            let attributes = try FileManager.default.attributesOfItem(atPath: spool.path(of: key, in: .pending))
            #expect(header.size == (attributes[.size] as? Int))
            #expect((attributes[.posixPermissions] as? Int) == 0o600)

            var changed = object
            changed.events[0].delivery.record(
                attemptAt: spoolTestTime,
                error: AttemptError(status: 429, message: "slow down")
            )
            changed.events[0].delivery.nextAttemptAt = spoolTestTime.addingTimeInterval(-10)
            changed.events.removeLast()
            try await spool.replace(changed)
            #expect(try await spool.get(key, in: .pending) == changed)
            #expect(try await spool.header(key, in: .pending).nextAttemptAt == spoolTestTime.addingTimeInterval(-10))
            #expect(try await spool.keys(in: .pending) == [key])
            await spool.shutdown()
        }
    }

    @Test func replaceCreatesAMissingObjectAndWritesIntoAnyState() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let key = try await spool.put([spoolTestEvent(1), spoolTestEvent(2)])
            try await spool.delete(key, in: .pending)
            try await spool.replace(SpoolObject(key: key, state: .pending, events: [spoolTestEvent(1)]))
            #expect(try await spool.get(key, in: .pending).events == [spoolTestEvent(1)])

            // The sweeper dead-letters some events of an object by writing them under the same key in dead/.
            var dead = spoolTestEvent(2)
            dead.delivery.deadReason = "HTTP 400"
            try await spool.replace(SpoolObject(key: key, state: .dead, events: [dead]))
            #expect(try await spool.get(key, in: .dead).events == [dead])
            #expect(try await spool.keys(in: .pending) == [key])
            #expect(await spoolError { _ = try await spool.put([]) }?.code == .invalidObject)
            await spool.shutdown()
        }
    }

    // MARK: Corrupt objects

    enum Damage: String, CaseIterable, Sendable {
        case truncatedHeader, truncatedRecord, flippedHeaderBit, flippedBodyBit, garbage, hugeLength, empty
    }

    @Test(arguments: Damage.allCases)
    func aCorruptObjectFailsAloneAndCanBeQuarantined(damage: Damage) async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let first = try await spool.put([spoolTestEvent(1)])
            let damaged = try await spool.put([spoolTestEvent(2), spoolTestEvent(3)])
            let last = try await spool.put([spoolTestEvent(4)])
            let path = spool.path(of: damaged, in: .pending)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            switch damage {
            case .truncatedHeader: bytes = Array(bytes.prefix(20))
            case .truncatedRecord: bytes.removeLast(7)
            case .flippedHeaderBit: bytes[13] ^= 0x10
            case .flippedBodyBit: bytes[bytes.count - 3] ^= 0x01
            case .garbage: bytes = Array("this is not an object at all, just some text".utf8)
            case .hugeLength: bytes.replaceSubrange(32..<36, with: [0xFF, 0xFF, 0xFF, 0xF0])
            case .empty: bytes = []
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            let error = try #require(await spoolError { _ = try await spool.get(damaged, in: .pending) })
            #expect(error.code == .corrupt)
            #expect(error.path == path)
            #expect(error.message.hasPrefix("corrupt object: "))
            if damage != .flippedBodyBit && damage != .hugeLength {
                // These show in the header alone (a wrong size, a bad checksum or no magic).
                #expect(await spoolError { _ = try await spool.header(damaged, in: .pending) }?.code == .corrupt)
            }
            #expect(try await spool.get(first, in: .pending).events == [spoolTestEvent(1)])
            #expect(try await spool.get(last, in: .pending).events == [spoolTestEvent(4)])

            try await spool.move(damaged, from: .pending, to: .quarantine)
            #expect(try await spool.keys(in: .pending) == [first, last])
            #expect(try await spool.keys(in: .quarantine) == [damaged])
            #expect(context.names(in: "quarantine") == [damaged.fileName])
            #expect(await spoolError { _ = try await spool.get(damaged, in: .quarantine) }?.code == .corrupt)
            await spool.shutdown()
        }
    }

    // MARK: Group commit

    @Test func concurrentPutsAreAllStoredAndShareObjects() async throws {
        try await withSpoolTest { context in
            let spool = try context.open()
            let tasks = 16
            let putsPerTask = 500
            let keys = try await withThrowingTaskGroup(of: [SpoolKey].self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var keys: [SpoolKey] = []
                        for index in 0..<putsPerTask {
                            keys.append(try await spool.put([spoolTestEvent(task * putsPerTask + index)]))
                        }
                        return keys
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let objects = try await spool.objects(in: .pending)
            let events = objects.flatMap(\.events)
            #expect(events.count == tasks * putsPerTask)
            #expect(Set(events.map(\.event.id)).count == tasks * putsPerTask)
            #expect(Set(events.map(\.event.body)).count == tasks * putsPerTask)
            // Every key a put returned names a distinct object that exists, and nothing else is there.
            #expect(Set(keys) == Set(objects.map(\.key)))
            #expect(Set(objects.map(\.key)).count == objects.count)
            // Group commit: far fewer objects than events.
            #expect(objects.count < tasks * putsPerTask / 2, "\(objects.count) objects for \(events.count) events")
            #expect(objects.allSatisfy { $0.events.count <= 64 })
            #expect(context.names(in: "tmp").isEmpty)
            await spool.shutdown()
        }
    }

    @Test func aPutsEventsStayTogetherAndInOrder() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(context.configuration(maxEventsPerObject: 8))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        for put in 0..<40 {
                            let first = (task * 40 + put) * 3
                            _ = try await spool.put((first..<(first + 3)).map { spoolTestEvent($0) })
                        }
                    }
                }
                try await group.waitForAll()
            }
            let objects = try await spool.objects(in: .pending)
            #expect(objects.flatMap(\.events).count == 8 * 40 * 3)
            for object in objects {
                #expect(object.events.count % 3 == 0)
                #expect(object.events.count <= 8)
                for start in stride(from: 0, to: object.events.count, by: 3) {
                    #expect(
                        object.events[start..<(start + 3)] == ArraySlice(Self.threeEvents(from: object.events[start]))
                    )
                }
            }
            await spool.shutdown()
        }
    }

    // MARK: Limits

    @Test func reachingTheObjectLimitThrowsFullAndLeavesNothingPartial() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(context.configuration(limits: .init(maxObjects: 3)))
            var keys: [SpoolKey] = []
            for index in 0..<3 {
                keys.append(try await spool.put([spoolTestEvent(index)]))
            }
            let error = try #require(await spoolError { _ = try await spool.put([spoolTestEvent(3)]) })
            #expect(error.code == .full)
            #expect(error.message.contains("spool.maxObjects"))
            #expect(try await spool.keys(in: .pending) == keys)
            #expect(context.names(in: "tmp").isEmpty)

            // Room again after a delivery.
            try await spool.delete(keys[0], in: .pending)
            _ = try await spool.put([spoolTestEvent(4)])
            await spool.shutdown()
        }
    }

    @Test func reachingTheByteLimitThrowsFullAndLeavesNothingPartial() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(context.configuration(limits: .init(maxBytes: 4096)))
            let body = [UInt8](repeating: 0x61, count: 1500)
            let first = try await spool.put([spoolTestEvent(1, body: body)])
            let second = try await spool.put([spoolTestEvent(2, body: body)])
            let error = try #require(await spoolError { _ = try await spool.put([spoolTestEvent(3, body: body)]) })
            #expect(error.code == .full)
            #expect(error.message.contains("spool.maxBytes"))
            #expect(error.path.hasSuffix("/pending"))
            #expect(try await spool.keys(in: .pending) == [first, second])
            #expect(context.names(in: "tmp").isEmpty)

            // Another instance counts what is on disk, and refuses too.
            let other = try context.open(context.configuration(limits: .init(maxBytes: 4096)))
            #expect(await spoolError { _ = try await other.put([spoolTestEvent(4, body: body)]) }?.code == .full)
            await other.shutdown()
            await spool.shutdown()
        }
    }

    @Test func limitsNearTheLargestIntegerDoNotOverflow() async throws {
        try await withSpoolTest { context in
            let limits = SpoolConfiguration.Limits(maxBytes: .max, maxObjects: .max)
            let spool = try context.open(context.configuration(limits: limits))
            let first = try await spool.put([spoolTestEvent(1)])
            let second = try await spool.put([spoolTestEvent(2)])
            #expect(try await spool.keys(in: .pending) == [first, second])
            await spool.shutdown()
        }
    }

    // MARK: Listing

    @Test func listingIsInKeyOrderAcrossFoldersAndHonoursThePrefix() async throws {
        try await withSpoolTest { context in
            let times = [
                spoolTestDate(2027, 1, 1, 0, 0, 0.5), spoolTestDate(2026, 11, 27, 23, 50, 3),
                spoolTestDate(2026, 12, 31, 23, 59, 59.9), spoolTestDate(2026, 11, 27, 23, 51, 0),
                spoolTestDate(2026, 11, 28, 0, 0, 0), spoolTestDate(2026, 11, 27, 22, 59, 59),
                spoolTestDate(2026, 11, 27, 23, 50, 4),
            ]
            // Written under keys of those times (a put never makes a key before one already spooled).
            let spool = try context.open()
            var keys: [SpoolKey] = []
            for (index, time) in times.enumerated() {
                let key = SpoolKey.make(time: time, processID: 1, nonce: 1, sequence: UInt32(index))
                try await spool.replace(SpoolObject(key: key, state: .pending, events: [spoolTestEvent(index)]))
                keys.append(key)
            }
            #expect(try await spool.keys(in: .pending) == keys.sorted())
            #expect(
                try await spool.keys(in: .pending).map { $0.rawValue.prefix(15) } == [
                    "20261127T225959", "20261127T235003", "20261127T235004", "20261127T235100", "20261128T000000",
                    "20261231T235959", "20270101T000000",
                ]
            )
            #expect(try await spool.keys(in: .pending, prefix: "20261127T23").count == 3)
            #expect(try await spool.keys(in: .pending, prefix: "20261127T2350").count == 2)
            #expect(try await spool.keys(in: .pending, prefix: "2026").count == 6)
            #expect(try await spool.keys(in: .pending, prefix: "2028").isEmpty)
            #expect(try await spool.keys(in: .dead).isEmpty)
            await spool.shutdown()
        }
    }

    @Test func foreignFilesAreSkippedWithAWarning() async throws {
        try await withSpoolTest { context in
            let spool = try context.open(clock: ManualWallClock(spoolTestTime))
            let key = try await spool.put([spoolTestEvent(1)])
            let folder = context.spoolPath + "/" + SpoolDurabilityTests.folder
            let foreign = [
                context.spoolPath + "/pending/.DS_Store",
                context.spoolPath + "/pending/2026/notes.txt",
                folder + "/" + key.fileName + "~",
                folder + "/.\(key.fileName).swp",
                folder + "/README",
            ]
            for path in foreign {
                try Data("x".utf8).write(to: URL(fileURLWithPath: path))
            }
            // A valid key in a folder its time does not name.
            let misplaced = SpoolKey.make(
                time: spoolTestTime.addingTimeInterval(3600),
                processID: 1,
                nonce: 2,
                sequence: 3
            )
            try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/" + misplaced.fileName))

            #expect(try await spool.keys(in: .pending) == [key])
            let warned = Set(context.messages(atLeast: .warning).map(\.path))
            #expect(warned == Set(foreign + [folder + "/" + misplaced.fileName]))
            await spool.shutdown()
        }
    }

}
