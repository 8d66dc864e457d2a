import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Secret files: anything but a regular file is refused at once (a FIFO must not hang start-up), links are
/// followed as Kubernetes secret mounts need, and a file others may read is pointed out by path and mode.
@Suite(.timeLimit(.minutes(1)))
struct SecuritySecretFileTests {
    static let token = "tok-4b1d9e7f30a2c6e8"

    /// Creates a client reading its bearer token (or password, or signing secrets) from `path`; returns the
    /// error, or `nil`, and what was logged.
    ///
    /// The client is made on a thread of its own: a start-up that blocks (opening a FIFO waits for a writer)
    /// then fails the test after `patience` instead of hanging every test of the process — a writer is
    /// opened and closed to release it.
    func client(
        readingSecretFrom path: String,
        as key: String = "auth.bearerTokenFile",
        patience: Duration = .seconds(20)
    ) async -> (String?, String) {
        let url = "http://127.0.0.1:1/events"
        let configuration: BrokerConfiguration
        switch key {
        case "auth.passwordFile":
            configuration = BrokerConfiguration(url: url, auth: .basic(username: "ops", password: .file(path)))
        case "signing.secretsFile":
            configuration = BrokerConfiguration(url: url, signing: .init(secrets: [.file(path)]))
        default:
            configuration = BrokerConfiguration(url: url, auth: .bearer(token: .file(path)))
        }
        let logs = InMemoryLogHandler()
        let logger = WireTestSupport.capturingLogger(logs)
        let watchdog = Task {
            try await Task.sleep(for: patience)
            Issue.record("creating a client blocked on \(path) for \(patience)")
            let writer = open(path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        let made: Result<BrokerClient, BrokerClientError> = await withCheckedContinuation { continuation in
            Thread {
                do throws(BrokerClientError) {
                    continuation.resume(
                        returning: .success(try BrokerClient(configuration: configuration, logger: logger))
                    )
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }.start()
        }
        watchdog.cancel()
        switch made {
        case .success(let client):
            await client.shutdown()
            return (nil, WireTestSupport.text(of: logs))
        case .failure(let error):
            return ("\(error)", WireTestSupport.text(of: logs))
        }
    }

    @Test(arguments: ["auth.bearerTokenFile", "auth.passwordFile", "signing.secretsFile"])
    func aFIFOIsRefusedWithoutWaitingForAWriter(key: String) async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let fifo = directory + "/token"
            #expect(mkfifo(fifo, 0o600) == 0)
            // Without O_NONBLOCK, opening a FIFO waits for a writer that never comes: the test would hang.
            let (error, _) = await client(readingSecretFrom: fifo, as: key)
            #expect(
                error?.contains("\(key): file \(fifo) is a FIFO, not a regular file") == true,
                "\(error ?? "accepted")"
            )
        }
    }

    @Test func anythingButARegularFileIsRefused() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let (folder, _) = await client(readingSecretFrom: directory)
            #expect(
                folder?.contains("file \(directory) is a folder, not a regular file") == true,
                "\(folder ?? "accepted")"
            )
            let (device, _) = await client(readingSecretFrom: "/dev/null")
            #expect(
                device?.contains("file /dev/null is a device, not a regular file") == true,
                "\(device ?? "accepted")"
            )
            let dangling = directory + "/dangling"
            #expect(symlink(directory + "/nowhere", dangling) == 0)
            let (missing, _) = await client(readingSecretFrom: dangling)
            #expect(missing?.contains("cannot open file \(dangling): No such file or directory") == true)
            let toFIFO = directory + "/to-fifo"
            #expect(mkfifo(directory + "/fifo", 0o600) == 0)
            #expect(symlink(directory + "/fifo", toFIFO) == 0)
            let (linked, _) = await client(readingSecretFrom: toFIFO)
            #expect(linked?.contains("file \(toFIFO) is a FIFO, not a regular file") == true, "\(linked ?? "accepted")")
        }
    }

    /// A Kubernetes secret volume: `token` → `..data/token`, `..data` → `..2024_05_01…`, the file 0400 inside.
    @Test func aKubernetesStyleLinkedSecretIsFollowed() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let version = directory + "/..2024_05_01_12_00_00.123456789"
            try FileManager.default.createDirectory(atPath: version, withIntermediateDirectories: false)
            try WireTestSupport.writeSecretFile(Self.token + "\n", to: version + "/token")
            #expect(chmod(version + "/token", 0o400) == 0)
            #expect(symlink("..2024_05_01_12_00_00.123456789", directory + "/..data") == 0)
            #expect(symlink("..data/token", directory + "/token") == 0)
            try await withTestBroker { broker in
                let configuration = BrokerConfiguration(
                    url: broker.url,
                    auth: .bearer(token: .file(directory + "/token"))
                )
                let logs = InMemoryLogHandler()
                _ = try await WireTestSupport.withClient(configuration, logger: WireTestSupport.capturingLogger(logs)) {
                    client in await client.deliver(Event(type: "t", source: "/s", text: "{}"))
                }
                #expect(broker.requests.first?.header("authorization") == "Bearer \(Self.token)")
                #expect(!logs.entries.contains { $0.level >= .warning }, "\(WireTestSupport.text(of: logs))")
            }
        }
    }

    @Test func aSecretFileOthersMayReadIsWarnedAboutByPathAndMode() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/token"
            try WireTestSupport.writeSecretFile(Self.token, to: path)
            for (mode, warning) in [
                (0o600, nil), (0o400, nil), (0o644, "readable by others"), (0o604, "readable by others"),
                // The file's group is this process's own: how Kubernetes (fsGroup) and systemd let a service read it.
                (0o640, nil),
            ] as [(mode_t, String?)] {
                #expect(chmod(path, mode) == 0)
                let (error, logged) = await client(readingSecretFrom: path)
                #expect(error == nil)
                let octal = "0" + String(mode, radix: 8)
                if let warning {
                    #expect(logged.contains("warning"), "\(octal): \(logged)")
                    #expect(
                        logged.contains("auth.bearerTokenFile: file \(path) is \(warning) (mode \(octal))"),
                        "\(logged)"
                    )
                } else {
                    #expect(!logged.contains("warning"), "\(octal): \(logged)")
                }
                #expect(!logged.contains(Self.token))
            }
        }
    }

    @Test(
        "a secret file readable by a group this process is not in is warned about",
        .enabled(if: geteuid() == 0, "only root can give a file to another group")
    )
    func aSecretFileReadableByAnotherGroupIsWarnedAbout() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/token"
            try WireTestSupport.writeSecretFile(Self.token, to: path)
            #expect(chown(path, uid_t.max, 65534) == 0)
            #expect(chmod(path, 0o640) == 0)
            let (error, logged) = await client(readingSecretFrom: path, as: "auth.passwordFile")
            #expect(error == nil)
            #expect(
                logged.contains("auth.passwordFile: file \(path) is readable by its group (mode 0640)"),
                "\(logged)"
            )
        }
    }
}
