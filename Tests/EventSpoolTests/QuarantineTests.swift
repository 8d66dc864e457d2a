import EventSpool
import EventSpoolTesting
import Foundation
import Testing

/// Quarantine keeps every damaged object, also two of the same key: one from `dead/`, one from `pending/`.
@Suite struct QuarantineTests {
    /// Damages the object `key` in `pending/` and puts a damaged copy of it into `dead/` under the same key.
    static func damageWithDeadCopy(_ key: SpoolKey, fixture: SweeperFixture) throws {
        let pending = fixture.directory + "/pending/" + key.relativePath
        var bytes = try #require(FileManager.default.contents(atPath: pending))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: pending))
        let deadFolder = fixture.directory + "/dead/" + key.folder
        try FileManager.default.createDirectory(atPath: deadFolder, withIntermediateDirectories: true)
        try bytes.write(to: URL(fileURLWithPath: deadFolder + "/" + key.fileName))
    }

    @Test func aSecondDamagedObjectOfTheSameKeyIsQuarantinedUnderANumberedName() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                let damaged = try await fixture.spoolTogether([testEvent("x", orderingKey: "k")])
                try await fixture.spoolEach([testEvent("y")])
                try Self.damageWithDeadCopy(damaged, fixture: fixture)
                // Marks set before a pass started are the ones it may release.
                fixture.clock.advance(by: .seconds(1))
                let configuration = fixture.configuration(broker: broker)

                // The dead copy goes first, under the key itself; then the pending one cannot take that name.
                let replay = try await fixture.withSweeper(configuration) { await $0.replay(.dead()) }
                let sweep = try await fixture.withSweeper(configuration) { await $0.sweep() }
                let again = try await fixture.withSweeper(configuration) { await $0.sweep() }

                #expect(sweep.quarantinedObjects.map(\.key) == [damaged.rawValue], "\(sweep)")
                #expect(sweep.unreadable == 0 && sweep.delivered == 1 && sweep.failure == nil, "\(sweep)")
                #expect(again.unreadable == 0 && again.quarantined == 0, "\(again)")
                // With every object of the pass read or quarantined, the mark of its key is released.
                #expect(try await fixture.spool.hasWaitingEvents(orderingKey: "k") == false)
                #expect(try await fixture.entries(.pending).isEmpty)
                #expect(try await fixture.entries(.dead).isEmpty)

                let second = try #require(SpoolKey(damaged.rawValue + "~2"))
                #expect(try await fixture.entries(.quarantine).map(\.key) == [damaged, second])
                #expect(replay.quarantinedObjects.map(\.quarantineKey) == [damaged.rawValue])
                #expect(sweep.quarantinedObjects.map(\.quarantineKey) == [second.rawValue])
                #expect(sweep.renderText().contains("kept as \(second)"), "\(sweep.renderText())")

                // Out of quarantine an object goes back under the key it was written under.
                try await fixture.spool.move(second, from: .quarantine, to: .dead)
                #expect(try await fixture.entries(.dead).map(\.key) == [damaged])
            }
        }
    }

    @Test func aQuarantineNumberIsPartOfAKeyInOneFormOnly() throws {
        let base = "20261127T235003.123456Z-0000a1b2-5e3c9d01-00000007"
        let second = try #require(SpoolKey(base + "~2"))
        #expect(second.quarantineNumber == 2 && second.objectKey.rawValue == base)
        #expect(second.time == SpoolKey(base)?.time && second.folder == SpoolKey(base)?.folder)
        #expect(SpoolKey(base + "~9999")?.quarantineNumber == 9999)
        #expect(SpoolKey(base)?.quarantineNumber == nil)
        for bad in ["~", "~1", "~0", "~02", "~10000", "~2a", "-2", "~2~3", "~-2"] {
            #expect(SpoolKey(base + bad) == nil, "\(bad)")
        }
        #expect(SpoolKey(fileName: base + "~3.evs")?.quarantineNumber == 3)
    }

    @Test func aNumberedNameOutsideQuarantineIsNotAnObject() async throws {
        try await SweeperFixture.with { fixture in
            let key = try await fixture.spoolTogether([testEvent("a")])
            let folder = fixture.directory + "/pending/" + key.folder
            try FileManager.default.copyItem(
                atPath: folder + "/" + key.fileName,
                toPath: folder + "/" + key.rawValue + "~2.evs"
            )
            #expect(try await fixture.entries(.pending).map(\.key) == [key])
        }
    }
}
