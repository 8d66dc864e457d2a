#if os(Linux)
import EventSpool
import EventSpoolTesting
import Foundation
import Glibc
import TestSupport
import Testing

/// The files in `Config/systemd`, `Config/sysusers.d` and `Config/tmpfiles.d`, checked with systemd's own tools
/// (offline: systemd need not be running), and the sandbox of the sweep unit checked against a traced sweep.
@Suite("Config/systemd units")
struct SystemdUnitTests {
    static let config = BuiltExecutable.packageRoot.appendingPathComponent("Config")
    static let units = ["eventspool-sweep.service", "eventspool-sweep.timer", "eventspool-failure@.service"]

    /// What `systemd-analyze security` may say of each service: the highest overall exposure, in tenths as
    /// `--threshold` takes it (the sweep rates 1.2 "OK", the failure report 0.4 "SAFE"), and the checks that may
    /// fail, each for a reason the unit's comments give: the sweep needs the network and a DNS resolver, the
    /// Swift runtime calls setpriority (@resources), and the failure report needs the systemd-journal group.
    static let exposure: [String: (threshold: Int, accepted: Set<String>)] = [
        "eventspool-sweep.service": (
            12,
            [
                "PrivateNetwork", "IPAddressDeny", "RestrictAddressFamilies_AF_INET_INET6",
                "RestrictAddressFamilies_AF_UNIX", "SystemCallFilter_resources", "RootDirectoryOrRootImage",
                "DeviceAllow",
            ]
        ),
        "eventspool-failure@.service": (
            4, ["SupplementaryGroups", "PrivateUsers", "RootDirectoryOrRootImage", "DeviceAllow"]
        ),
    ]

    /// Copies the units into `directory`, the sweep's `ExecStart=` pointing at the built spoolctl (verify
    /// checks that the program exists); returns their paths.
    private func unitCopies(in directory: URL) throws -> [String] {
        try Self.units.map { name in
            let text = try String(contentsOf: Self.config.appendingPathComponent("systemd/" + name), encoding: .utf8)
            let built = BuiltExecutable.directory.appendingPathComponent("spoolctl").path
            let copy = directory.appendingPathComponent(name)
            try Data(text.replacingOccurrences(of: "/usr/local/bin/spoolctl", with: built).utf8).write(to: copy)
            return copy.path
        }
    }

    /// What systemd-analyze said about the units in `directory` (it may also warn about the host's own units).
    private func findings(_ result: ProcessResult, in directory: URL) -> [Substring] {
        (result.stdout + result.stderr).split(separator: "\n").filter { line in
            line.contains(directory.path) || line.contains("eventspool")
        }
    }

    @Test("systemd-analyze verify finds nothing to say about the units, and catches a misspelt setting")
    func verify() async throws {
        try await withTemporaryDirectory { directory in
            let units = try unitCopies(in: directory)
            let result = try await SystemTool.run("systemd-analyze", ["verify", "--man=no"] + units)
            #expect(result.status == 0, "\(result)")
            #expect(findings(result, in: directory).isEmpty, "\(result)")

            // The same check on a unit with a typo says so: the test can fail.
            let sweep = try #require(units.first)
            let text = try String(contentsOfFile: sweep, encoding: .utf8)
            try Data(text.replacingOccurrences(of: "ProtectHome=", with: "ProtectHone=").utf8)
                .write(to: URL(fileURLWithPath: sweep))
            let typo = try await SystemTool.run("systemd-analyze", ["verify", "--man=no"] + units)
            #expect(findings(typo, in: directory).contains { $0.contains("ProtectHone") }, "\(typo)")
        }
    }

    @Test(
        "systemd-analyze security rates each service at most its recorded exposure",
        arguments: exposure.keys.sorted()
    )
    func security(_ name: String) async throws {
        let (threshold, accepted) = try #require(Self.exposure[name])
        try await withTemporaryDirectory { directory in
            _ = try unitCopies(in: directory)
            let unit = directory.appendingPathComponent(name).path
            let rated = try await SystemTool.run(
                "systemd-analyze",
                ["security", "--offline=true", "--no-pager", "--threshold=\(threshold)", unit]
            )
            #expect(rated.status == 0, "over \(Double(threshold) / 10): \(rated)")
            #expect(rated.stdout.contains("Overall exposure level for"), "\(rated)")

            let json = try await SystemTool.run(
                "systemd-analyze",
                ["security", "--offline=true", "--no-pager", "--json=short", unit]
            )
            #expect(json.status == 0, "\(json)")
            let checks = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]],
                "\(json)"
            )
            let failed = checks.filter { check in
                check["set"] as? Bool == false && (check["exposure"] as? String).flatMap(Double.init) ?? 0 > 0
            }
            let unexpected = failed.compactMap { $0["json_field"] as? String }.filter { !accepted.contains($0) }
            #expect(unexpected.isEmpty, "\(name) fails checks it should pass: \(unexpected)")
        }
    }

    @Test(
        "sysusers.d makes the user, tmpfiles.d a 0700 spool it owns and a configuration only it can read",
        .enabled(if: getuid() == 0, "handing files to another user needs root")
    )
    func userAndSpool() async throws {
        try await withTemporaryDirectory { root in
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("etc/eventspool"),
                withIntermediateDirectories: true
            )
            let configuration = root.appendingPathComponent("etc/eventspool/eventspool.json").path
            try FileManager.default.copyItem(
                atPath: Self.config.appendingPathComponent("eventspool.json").path,
                toPath: configuration
            )

            let sysusers = try await SystemTool.run(
                "systemd-sysusers",
                ["--root=" + root.path, Self.config.appendingPathComponent("sysusers.d/eventspool.conf").path]
            )
            #expect(sysusers.status == 0, "\(sysusers)")
            let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
            let entry = try #require(
                passwd.split(separator: "\n").first { $0.hasPrefix("eventspool:") }?.split(separator: ":"),
                "\(passwd)"
            )
            let uid = try #require(UInt32(entry[2]))
            let gid = try #require(UInt32(entry[3]))
            #expect(entry.last?.hasSuffix("nologin") == true, "\(entry)")

            let tmpfiles = try await SystemTool.run(
                "systemd-tmpfiles",
                [
                    "--root=" + root.path, "--create",
                    Self.config.appendingPathComponent("tmpfiles.d/eventspool.conf").path,
                ]
            )
            #expect(tmpfiles.status == 0, "\(tmpfiles)")
            let spool = root.appendingPathComponent("var/spool/eventspool").path
            for (path, mode, owner, group) in [
                (spool, 0o700, uid, gid), (root.path + "/etc/eventspool", 0o750, 0, gid),
                (configuration, 0o640, 0, gid),
            ] {
                var status = stat()
                #expect(stat(path, &status) == 0, "\(path)")
                #expect(status.st_mode & 0o7777 == mode, "\(path): mode \(String(status.st_mode & 0o7777, radix: 8))")
                #expect(status.st_uid == owner && status.st_gid == group, "\(path): \(status.st_uid):\(status.st_gid)")
            }

            // As that user, spoolctl reads the configuration (and stops at the unset broker.url), and accepts the spool.
            // A copy in the root, as installed: the build directory may be out of that user's reach.
            let spoolctl = root.appendingPathComponent("usr/bin/spoolctl").path
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("usr/bin"),
                withIntermediateDirectories: true
            )
            try FileManager.default.copyItem(
                atPath: BuiltExecutable.directory.appendingPathComponent("spoolctl").path,
                toPath: spoolctl
            )
            // Whatever the umask, the way down is open to the user, as on a real root.
            for directory in ["", "/etc", "/usr", "/usr/bin"] {
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path + directory)
            }
            func sweep(as user: UInt32, group: UInt32, _ extra: [String]) async throws -> ProcessResult {
                let identity = ["--reuid=\(user)", "--regid=\(group)", "--clear-groups"]
                return try await SystemTool.run(
                    "setpriv",
                    identity + [spoolctl, "sweep", "--config", configuration, "--spool-dir", spool] + extra
                )
            }
            let unset = try await sweep(as: uid, group: gid, [])
            #expect(unset.status == 78 && unset.stderr.contains("'broker.url'"), "\(unset)")
            // An empty spool sends nothing, so the port is never connected to.
            let swept = try await sweep(as: uid, group: gid, ["--broker-url", "http://127.0.0.1:9/unused"])
            #expect(swept.status == 0 && swept.stderr.isEmpty, "\(swept)")
            let stranger = try await sweep(as: 65534, group: 65534, ["--broker-url", "http://127.0.0.1:9/unused"])
            #expect(stranger.status == 78 && stranger.stderr.contains(configuration), "\(stranger)")
        }
    }
}
#endif
