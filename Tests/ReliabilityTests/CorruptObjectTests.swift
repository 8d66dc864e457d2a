import EventSpoolTesting
import Foundation
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

#if canImport(Glibc)
import Glibc
#endif

/// Scenario 3 of `docs/reliability.md`: more than a thousand damaged objects — every truncation, bit flips,
/// zeroed ranges, huge length fields, garbage, empty files — plus a folder, symbolic links and a FIFO where
/// objects belong, and foreign files, among valid objects in one spool. One pass must quarantine each bad one
/// exactly once, report it, leave the foreign files alone and deliver every valid event.
@Suite(.timeLimit(.minutes(2)))
struct CorruptObjectTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func everyBadObjectIsQuarantinedOnceAndEveryValidOneDelivered() async throws {
        var random = SeededRandom(seed: 0xBAD_0B1E)
        let variants = try Self.damagedVariants(&random)
        // CRC-32C covers every byte of an object (or is itself covered), so no damage can pass as valid.
        for variant in variants {
            #expect(throws: SpoolObjectFormat.FormatError.self, "\(variant.kind) still decodes") {
                try SpoolObjectFormat.decodeObject(variant.bytes)
            }
        }

        try await TemporaryDirectory.with(inMemory: true) { directory in
            let spool = directory("spool")
            let pending = spool + "/pending"
            var sequence: UInt32 = 0
            func nextKey() -> SpoolKey {
                sequence += 1
                // Half a second apart: the objects spread over a dozen minute folders.
                return SpoolKey.make(
                    time: Self.start.addingTimeInterval(Double(sequence) * 0.5),
                    processID: 4242,
                    nonce: 0xF00D,
                    sequence: sequence
                )
            }
            func path(_ key: SpoolKey) throws -> String {
                let folder = pending + "/" + key.folder
                try FileManager.default.createDirectory(
                    atPath: folder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                return folder + "/" + key.fileName
            }

            var bad: Set<String> = []
            var validIDs: [String] = []
            for (index, variant) in variants.enumerated() {
                if index % 20 == 0 {
                    // A valid object every twenty: one or three events.
                    let events = (0..<(index % 40 == 0 ? 3 : 1)).map { Self.event("valid-\(index)-\($0)") }
                    let key = nextKey()
                    try Self.write(try Self.object(events), to: try path(key))
                    validIDs += events.map(\.event.id)
                }
                let key = nextKey()
                try Self.write(variant.bytes, to: try path(key))
                bad.insert(key.rawValue)
            }

            // Things that are not regular files, named like objects.
            let outside = directory("outside.evs")
            try Self.write(try Self.object([Self.event("outside")]), to: outside)
            let folderKey = nextKey()
            try FileManager.default.createDirectory(atPath: try path(folderKey), withIntermediateDirectories: false)
            let linkKey = nextKey()
            try FileManager.default.createSymbolicLink(atPath: try path(linkKey), withDestinationPath: outside)
            let danglingKey = nextKey()
            try FileManager.default.createSymbolicLink(atPath: try path(danglingKey), withDestinationPath: "/nowhere")
            let fifoKey = nextKey()
            #expect(mkfifo(try path(fifoKey), 0o600) == 0)
            bad.formUnion([folderKey, linkKey, danglingKey, fifoKey].map(\.rawValue))

            // Foreign files among the objects: skipped (with a warning), never quarantined or removed.
            let foreignFolder = pending + "/" + folderKey.folder
            let foreign = [".DS_Store", "\(folderKey.rawValue).evs~", ".\(folderKey.rawValue).evs.swp", "notes.txt"]
            for name in foreign {
                try Self.write(Array("not an object".utf8), to: foreignFolder + "/" + name)
            }

            try await withTestBroker { broker in
                let clock = ManualWallClock(Self.start.addingTimeInterval(3600))
                let sweeper = try Sweeper(
                    configuration: Sweeper.Configuration(
                        broker: BrokerConfiguration(url: broker.url),
                        spool: SpoolConfiguration(directory: spool)
                    ),
                    clock: clock,
                    logger: quietLogger
                )
                let report = await sweeper.sweep()
                let again = await sweeper.sweep()
                await sweeper.shutdown()

                let reported = report.quarantinedObjects.map(\.key)
                #expect(reported.count == bad.count, "each bad object reported once")
                #expect(Set(reported) == bad)
                #expect(report.quarantined == bad.count && report.unreadable == 0 && report.failure == nil)
                #expect(report.quarantinedObjects.allSatisfy { $0.from == "pending" && !$0.reason.isEmpty })
                #expect(Set(SpoolFiles.names(in: spool + "/quarantine")) == Set(bad.map { $0 + ".evs" }))
                #expect(SpoolFiles.objects(under: pending).isEmpty)
                #expect(again.quarantined == 0 && again.delivered == 0, "quarantined once, not again: \(again)")

                let delivered = broker.requests.compactMap { $0.header("ce-id") }
                #expect(delivered.sorted() == validIDs.sorted(), "every valid event delivered, once")
                #expect(report.delivered == validIDs.count)
                for name in foreign {
                    #expect(FileManager.default.fileExists(atPath: foreignFolder + "/" + name), "\(name) was touched")
                }
                #expect(FileManager.default.fileExists(atPath: outside), "a link's target is never moved")

                let kinds = Dictionary(grouping: variants, by: \.kind).mapValues(\.count)
                print(
                    "[reliability] corrupt objects: \(variants.count) damaged variants "
                        + "\(kinds.sorted { $0.key < $1.key }) + 4 non-regular entries "
                        + "+ \(foreign.count) foreign files among \(validIDs.count) valid events; "
                        + "quarantined \(report.quarantined) (each once), delivered \(report.delivered), lost 0"
                )
            }
        }
    }

    // MARK: - Making damage

    struct Variant {
        var kind: String
        var bytes: [UInt8]
    }

    /// At least a thousand damaged copies of two valid objects (one event; three events), none equal to either.
    static func damagedVariants(_ random: inout SeededRandom) throws -> [Variant] {
        let single = try object([event("single")])
        let triple = try object([event("a"), event("b", body: 300), event("c")])
        var variants: [Variant] = []
        for original in [single, triple] {
            for length in 0..<original.count {
                variants.append(Variant(kind: "truncated", bytes: Array(original.prefix(length))))
            }
            for index in original.indices {
                var flipped = original
                flipped[index] ^= 1 << UInt8(random.next(below: 8))
                variants.append(Variant(kind: "bit flip", bytes: flipped))
            }
            for _ in 0..<60 {
                let start = random.next(below: original.count)
                let length = 1 + random.next(below: min(64, original.count - start))
                var zeroed = original
                zeroed.replaceSubrange(start..<(start + length), with: repeatElement(0, count: length))
                variants.append(Variant(kind: "zeroed range", bytes: zeroed))
            }
            variants += hugeLengths(original)
        }
        for _ in 0..<40 {
            let bytes = (0..<(1 + random.next(below: 600))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            variants.append(Variant(kind: "garbage", bytes: bytes))
        }
        variants.append(Variant(kind: "garbage", bytes: SpoolObjectFormat.magic + Array(repeating: 0xFF, count: 200)))
        variants.append(Variant(kind: "garbage", bytes: Array(#"{"id":"x","type":"json, not an object"}"#.utf8)))
        variants.append(contentsOf: repeatElement(Variant(kind: "empty", bytes: []), count: 3))
        return variants.filter { $0.bytes != single && $0.bytes != triple }
    }

    /// Length fields set to the largest values they hold, with the header's checksum made right again where
    /// the field is in the header, so the reader has to refuse the length itself.
    private static func hugeLengths(_ original: [UInt8]) -> [Variant] {
        func withHeader(_ body: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = original
            body(&bytes)
            let crc = CRC32C.checksum(bytes[0..<28])
            bytes.replaceSubrange(28..<32, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
            return bytes
        }
        let header = SpoolObjectFormat.headerSize
        return [
            Variant(
                kind: "huge length",
                bytes: withHeader { $0.replaceSubrange(8..<12, with: [0xFF, 0xFF, 0xFF, 0xFF]) }
            ),
            Variant(
                kind: "huge length",
                bytes: withHeader { $0.replaceSubrange(20..<28, with: repeatElement(0xFF, count: 8)) }
            ),
            Variant(
                kind: "huge length",
                bytes: withHeader { $0.replaceSubrange(20..<28, with: [0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF]) }
            ),
            Variant(
                kind: "huge length",
                bytes: {
                    var bytes = original
                    bytes.replaceSubrange(header..<(header + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
                    return bytes
                }()
            ),
            Variant(
                kind: "huge length",
                bytes: {
                    var bytes = original
                    bytes.replaceSubrange((header + 8)..<(header + 12), with: [0x7F, 0xFF, 0xFF, 0xFF])
                    return bytes
                }()
            ),
            Variant(kind: "huge length", bytes: withHeader { $0.replaceSubrange(8..<12, with: [0, 0, 0, 0]) }),
        ]
    }

    static func event(_ id: String, body: Int = 20) -> SpooledEvent {
        SpooledEvent(
            event: Event(
                id: id,
                type: "com.example.fuzz",
                source: "/reliability",
                time: start,
                text: String(repeating: "b", count: body)
            ),
            delivery: DeliveryRecord(spooledAt: start)
        )
    }

    static func object(_ events: [SpooledEvent]) throws -> [UInt8] {
        SpoolObjectFormat.encodeObject([try SpoolObjectFormat.encodeRecords(events)])
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        guard
            FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
