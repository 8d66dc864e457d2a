import EventSpool
import Foundation
import InMemoryLogging
import Logging
import TestSupport

/// Helpers shared by the wire and security suites.
enum WireTestSupport {
    /// A logger at trace level that keeps every record in `handler`.
    static func capturingLogger(_ handler: InMemoryLogHandler) -> Logger {
        .recording(into: handler, level: .trace)
    }

    /// Every captured record as text, message and metadata, for searching.
    static func text(of handler: InMemoryLogHandler) -> String {
        handler.entries.map { entry in
            "\(entry.level) \(entry.message) \(entry.metadata.sorted { $0.key < $1.key })"
        }.joined(separator: "\n")
    }

    /// Runs `body` with a client for `configuration`, and always shuts the client down.
    static func withClient<T>(
        _ configuration: BrokerConfiguration,
        classification: DeliveryClassification = DeliveryClassification(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger = quietLogger,
        _ body: (Broker) async throws -> T
    ) async throws -> T {
        let client = try Broker(
            configuration: configuration,
            classification: classification,
            clock: clock,
            logger: logger
        )
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// The error a client made from `configuration` throws, as text, or `nil` when it is accepted.
    static func clientError(_ configuration: BrokerConfiguration) async -> String? {
        do {
            let client = try BrokerClient(configuration: configuration, logger: quietLogger)
            await client.shutdown()
            return nil
        } catch {
            return error.description
        }
    }

    /// Runs `body` with a new empty temporary directory, removed afterwards.
    static func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        try await TemporaryDirectory.with(prefix: "wire") { try await body($0.path) }
    }

    /// Writes `text` to `path` with mode 0600, as a secret file would be.
    static func writeSecretFile(_ text: String, to path: String) throws {
        guard
            FileManager.default.createFile(
                atPath: path,
                contents: Data(text.utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw WireReceiverError("cannot write \(path)")
        }
    }
}
