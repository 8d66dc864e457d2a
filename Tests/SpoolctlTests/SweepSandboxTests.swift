#if os(Linux)
import EventSpool
import EventSpoolTesting
import Foundation
import TestSupport
import Testing

/// The sandbox of `Config/systemd/eventspool-sweep.service`, checked against a real sweep.
///
/// systemd does not run here, so the sweep cannot run inside the unit. Instead strace records everything a
/// sweep does that the sandbox restricts — a sweep that delivers, defers, dead-letters and quarantines, against
/// a real broker — and each restriction is read from the unit and checked against the record: a setting
/// tightened past what spoolctl, libcurl or the Swift runtime need fails here, not on an operator's machine.
@Suite("the sweep unit's sandbox")
struct SweepSandboxTests {
    /// The device nodes `PrivateDevices=yes` leaves (and the links to a process's own descriptors).
    static let privateDevices: Set<String> = [
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/stdin",
        "/dev/stdout", "/dev/stderr",
    ]

    /// `spool.directory` in `Config/eventspool.json`, the file the unit's sweep reads.
    static var sampleSpoolDirectory: String? {
        let sample = SystemdUnitTests.config.appendingPathComponent("eventspool.json")
        let root = (try? Data(contentsOf: sample)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        return ((root as? [String: Any])?["spool"] as? [String: Any])?["directory"] as? String
    }

    @Test("a traced sweep makes only the calls, sockets, mappings, reads and writes the sweep unit allows")
    func tracedSweep() async throws {
        let unit = try SystemdUnit(
            path: SystemdUnitTests.config.appendingPathComponent("systemd/eventspool-sweep.service").path
        )
        let filter = try await SystemTool.run("systemd-analyze", ["syscall-filter", "--no-pager"])
        #expect(filter.status == 0, "\(filter)")
        let groups = SystemdUnit.systemCallGroups(fromSyscallFilterOutput: filter.stdout)
        let allowed = try #require(unit.allowedSystemCalls(groups: groups), "the unit has no SystemCallFilter= list")
        // The list was read, not found empty: the durability calls are in it.
        #expect(allowed.isSuperset(of: ["flock", "fsync", "fdatasync", "renameat2", "openat"]), "\(allowed.sorted())")

        try await withTemporaryDirectory { directory in
            let spool = directory.appendingPathComponent("spool")
            try await SpoolFixture.put(events: 4, into: spool.path)
            let victim = try #require(try objectFiles(in: spool).first)
            var bytes = try [UInt8](Data(contentsOf: victim))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: victim)

            let tracePath = directory.appendingPathComponent("sweep.trace").path
            let result = try await withTestBroker { broker in
                broker.enqueue(.status(204), .status(503), .status(400))
                let result = try await SystemTool.run(
                    "strace",
                    ["-f", "-qq", "-y", "-s", "4096", "-o", tracePath]
                        + [BuiltExecutable.directory.appendingPathComponent("spoolctl").path, "sweep"]
                        + ["--spool-dir", spool.path, "--broker-url", broker.url]
                )
                #expect(try await broker.waitForRequests(count: 3).count == 3)
                return result
            }
            // One event given up (400) and one object quarantined: the report, and exit 1.
            #expect(result.status == 1, "\(result)")
            #expect(result.stdout.contains("quarantined") && result.stdout.contains("400"), "\(result)")

            let trace = SystemCallTrace(text: try String(contentsOfFile: tracePath, encoding: .utf8))
            #expect(trace.names.isSuperset(of: ["flock", "fsync", "renameat2", "connect"]), "\(trace.names.sorted())")
            check(trace, against: unit, allowedCalls: allowed, spool: spool.resolvingSymlinksInPath().path)
        }
    }

    /// Records an issue for everything in `trace` that the sandbox of `unit` would refuse.
    private func check(_ trace: SystemCallTrace, against unit: SystemdUnit, allowedCalls: Set<String>, spool: String) {
        let refusedCalls = trace.names.subtracting(allowedCalls)
        #expect(refusedCalls.isEmpty, "SystemCallFilter= refuses \(refusedCalls.sorted())")

        let families = Set(unit.words("RestrictAddressFamilies"))
        let refusedFamilies = trace.socketFamilies.subtracting(families)
        #expect(refusedFamilies.isEmpty, "RestrictAddressFamilies= refuses \(refusedFamilies.sorted())")

        if unit.isEnabled("MemoryDenyWriteExecute") {
            #expect(trace.writableExecutableMappings.isEmpty, "\(trace.writableExecutableMappings)")
        }
        if unit.isEnabled("RestrictNamespaces") {
            let namespaces = trace.calls.filter {
                $0.name == "unshare" || $0.name == "setns" || $0.text.contains("CLONE_NEW")
            }
            #expect(namespaces.isEmpty, "RestrictNamespaces= refuses \(namespaces)")
        }

        let paths = Set(trace.calls.flatMap { trace.paths(of: $0) })
        if unit.values("ProcSubset").last == "pid" {
            // Only the process's own entries are left in /proc.
            let hidden = paths.filter { path in
                guard path.hasPrefix("/proc/") else { return false }
                let entry = path.dropFirst("/proc/".count).prefix { $0 != "/" }
                return !(entry == "self" || entry == "thread-self" || entry.allSatisfy(\.isNumber))
            }
            #expect(hidden.isEmpty, "ProcSubset=pid hides \(hidden.sorted())")
        }
        if unit.isEnabled("PrivateDevices") {
            let devices = paths.filter { $0.hasPrefix("/dev/") && !Self.privateDevices.contains($0) }
            #expect(devices.isEmpty, "PrivateDevices= hides \(devices.sorted())")
        }
        if unit.isEnabled("ProtectHome") {
            let homes = paths.filter { path in
                ["/home", "/root", "/run/user"].contains { path == $0 || path.hasPrefix($0 + "/") }
            }
            #expect(homes.isEmpty, "ProtectHome= hides \(homes.sorted())")
        }
        // ProtectSystem=strict leaves only ReadWritePaths= (the spool) writable; stricter here: nothing else at all.
        #expect(unit.values("ProtectSystem").last == "strict")
        #expect(unit.values("ReadWritePaths") == [Self.sampleSpoolDirectory], "the spool of Config/eventspool.json")
        let outside = trace.fileSystemChanges.filter { change in
            change.paths.isEmpty || change.paths.contains { $0 != spool && !$0.hasPrefix(spool + "/") }
        }
        #expect(outside.isEmpty, "writes outside the spool: \(outside.map(\.call))")
    }
}
#endif
