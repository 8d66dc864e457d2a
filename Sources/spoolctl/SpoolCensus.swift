import EventSpool
import Foundation

/// Counts what each state of a spool holds for the metrics: objects and bytes as the limits count them
/// (one `lstat` per object), the oldest object's age from the first key, and events from the object
/// headers (one header read per object) — or, for `pending/` right after a sweep, from its report.
enum SpoolCensus {
    /// Counts `state`, reading every object's header for its event count.
    static func count(_ state: SpoolState, of spool: any Spool) async throws(CommandFailure) -> SpoolStatistics {
        var statistics = try await occupancy(state, of: spool)
        do {
            for try await entry in spool.list(state) {
                do {
                    statistics.total.events += try await spool.header(entry.key, in: state).eventCount
                } catch  where error.code == .notFound {
                    continue
                } catch  where error.code == .unavailable {
                    throw error
                } catch {
                    statistics.unreadable += 1
                }
            }
        } catch let error as SpoolError {
            throw SpoolAccess.listingFailure(error, state, spool)
        } catch {
            throw CommandFailure(.ioError, "cannot list \(state)/ in \(spool.location): \(error)")
        }
        return statistics
    }

    /// Counts `pending/` after a pass that saw all of it: the events it left are the report's `remaining`.
    static func pending(
        after report: SweepReport,
        of spool: any Spool
    ) async throws(CommandFailure)
        -> SpoolStatistics
    {
        guard report.failure == nil, report.unreadable == 0 else { return try await count(.pending, of: spool) }
        var statistics = try await occupancy(.pending, of: spool)
        statistics.total.events = report.remaining
        // The pass knows the oldest event (its `spooledAt`), not only the oldest key.
        statistics.total.oldest = report.oldestPendingAge.map { Date().addingTimeInterval(-$0.seconds) }
        return statistics
    }

    /// Objects, bytes and the oldest key of `state`; no object read.
    private static func occupancy(
        _ state: SpoolState,
        of spool: any Spool
    ) async throws(CommandFailure)
        -> SpoolStatistics
    {
        var statistics = SpoolStatistics(state: state)
        do {
            let occupancy = try await spool.occupancy(of: state)
            statistics.total.objects = occupancy.objects
            statistics.total.bytes = Int(occupancy.bytes)
            // Keys sort by time: the first one listed is the oldest.
            var entries = spool.list(state).makeAsyncIterator()
            statistics.total.oldest = try await entries.next()?.key.time
        } catch let error as SpoolError {
            throw SpoolAccess.failure(error, doing: "cannot count \(state)/ in \(spool.location)")
        } catch {
            throw CommandFailure(.ioError, "cannot count \(state)/ in \(spool.location): \(error)")
        }
        return statistics
    }
}
