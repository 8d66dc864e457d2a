import ArgumentParser
import EventSpool
import Foundation
import Logging

/// Opening and walking a spool for the subcommands, with spool errors turned into exit statuses.
enum SpoolAccess {
    /// Opens the spool directory (creating it when missing).
    ///
    /// - Throws: ``CommandFailure`` with status `cannotCreate` (73), naming the path.
    static func open(_ configuration: SpoolConfiguration, logger: Logger) throws(CommandFailure) -> DirectorySpool {
        do {
            return try DirectorySpool(configuration: configuration, logger: logger)
        } catch {
            throw CommandFailure(.cannotCreate, "cannot open the spool \(configuration.directory): \(error)")
        }
    }

    /// Opens the spool, runs `body` with it, and shuts the spool down afterwards, also when `body` throws.
    static func withSpool<Result>(
        _ configuration: SpoolConfiguration,
        logger: Logger,
        _ body: (DirectorySpool) async throws -> Result
    ) async throws -> Result {
        let spool = try open(configuration, logger: logger)
        do {
            let result = try await body(spool)
            await spool.shutdown()
            return result
        } catch {
            await spool.shutdown()
            throw error
        }
    }

    /// Runs `body` holding `sweeper.lock`, so that a command rewriting or moving objects cannot race a
    /// sweeper doing the same (a purged event resurrected, a delivered one written back).
    ///
    /// - Throws: ``CommandFailure`` with status `busy` (75) when a sweeper holds the lock.
    static func withSweeperLock<Result>(
        _ spool: DirectorySpool,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let lock: SpoolLock?
        do {
            lock = try spool.tryLock(named: "sweeper.lock")
        } catch {
            throw failure(error, doing: "cannot take sweeper.lock")
        }
        guard let lock else {
            throw CommandFailure(
                .busy,
                "a sweeper is working on \(spool.configuration.directory) (sweeper.lock is held); "
                    + "try again when it has finished"
            )
        }
        defer { lock.release() }
        return try await body()
    }

    /// Calls `body` with every object in `state`, in key order, streaming: one object in memory at a time.
    /// An object that cannot be read is passed as a failure, and the walk goes on; one removed since it was
    /// listed (by a sweeper or a write-ahead publisher) is skipped.
    ///
    /// - Parameter body: Returns `false` to stop the walk.
    /// - Throws: ``CommandFailure`` with status `ioError` (74) when the listing itself fails.
    static func forEachObject(
        in state: SpoolState,
        of spool: DirectorySpool,
        _ body: (SpoolEntry, Result<SpoolObject, SpoolError>) async throws(CommandFailure) -> Bool
    ) async throws(CommandFailure) {
        do {
            for try await entry in spool.list(state) {
                let object: Result<SpoolObject, SpoolError>
                do {
                    object = .success(try await spool.get(entry.key, in: state))
                } catch let error where error.code == .notFound {
                    continue
                } catch {
                    object = .failure(error)
                }
                guard try await body(entry, object) else { return }
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(.ioError, "cannot list \(state)/ in \(spool.configuration.directory): \(error)")
        }
    }

    /// The size of an object in bytes, or 0 when its header cannot be read.
    static func size(of key: SpoolKey, in state: SpoolState, spool: DirectorySpool) async -> Int {
        (try? await spool.header(key, in: state).size) ?? 0
    }

    /// Turns a spool error met while changing the spool into exit status 74.
    static func failure(_ error: SpoolError, doing action: String) -> CommandFailure {
        CommandFailure(.ioError, "\(action): \(error)")
    }
}

/// A duration on the command line: `50s`, `2h`, `3d`, `1h30m`.
struct DurationArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        guard let duration = Duration(text: argument) else { return nil }
        self.duration = duration
    }

    var seconds: Double { duration.seconds }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Short human forms of times for tables and JSON: the one place spoolctl turns times into text or numbers.
/// Every conversion saturates (`Duration.seconds(saturating:)`), so no time, however absurd, can trap here.
enum TimeText {
    /// How long ago `date` was, as `5s`, `3m`, `2h`, `4d`.
    static func age(of date: Date, now: Date) -> String {
        Duration.age(of: date, at: now).shortDescription
    }

    /// How long ago `date` was, in whole seconds (0 for a date in the future).
    static func ageSeconds(of date: Date, now: Date) -> Int {
        Int(Duration.age(of: date, at: now).components.seconds)
    }

    /// When `date` is, relative to `now`: `now` or `in 5m`.
    static func until(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        return seconds <= 0 ? "now" : "in " + Duration.seconds(saturating: seconds).shortDescription
    }

    /// ISO 8601 in UTC with milliseconds, for JSON.
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
