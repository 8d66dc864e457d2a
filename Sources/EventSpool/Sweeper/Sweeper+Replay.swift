import Logging

extension Sweeper {
    /// Delivers the selected events now, ignoring their backoff — `spoolctl replay`.
    ///
    /// Holds the spool's lock like a sweep. A dead event that is delivered leaves `dead/`; an event that
    /// fails again goes back where it was (in `pending/` or `dead/`) with the attempt recorded — a replay
    /// never moves an event to `dead/`. Events of one ordering key are still sent in order.
    ///
    /// - Parameters:
    ///   - selection: Which events: ids, object keys, every pending event, or every dead one (optionally of one type).
    ///   - dryRun: Only find and count the selected events (``SweepReport/selected``); send and change nothing.
    ///     A dry run does not take the lock.
    ///   - progress: Called as selected events are dealt with, for a progress bar.
    /// - Returns: The report, with ``SweepReport/missing`` naming ids or keys that were not found.
    public func replay(
        _ selection: ReplaySelection,
        dryRun: Bool = false,
        progress: (@Sendable (ReplayProgress) -> Void)? = nil
    ) async -> SweepReport {
        await locked(.replay, takingLock: !dryRun) { report in
            report.dryRun = dryRun
            let (sources, total) = await plan(selection)
            let pass = makePass(.replay(selection, dryRun: dryRun), deadline: nil, progress: progress, report: report)
            await pass.run(sources, total: total)
            report = pass.report
        }
    }

    /// Where the selected events are, and how many there are (for progress).
    private func plan(_ selection: ReplaySelection) async -> ([SweepPass.Source], Int) {
        switch selection.scope {
        case .named(let ids, let keys):
            var located: [(SpoolKey, SpoolState)] = []
            var total = ids.count
            for key in keys.sorted() {
                guard let (state, count) = await locate(key) else { continue }
                located.append((key, state))
                total += count
            }
            // Objects named by key are read directly; events named by id must be searched for.
            return (ids.isEmpty ? [.objects(located)] : [.listing(.pending), .listing(.dead)], total)
        case .pending:
            return ([.listing(.pending)], await count(in: .pending, selection))
        case .dead:
            return ([.listing(.dead)], await count(in: .dead, selection))
        }
    }

    /// The state an object is in (pending first, then dead), and its event count.
    private func locate(_ key: SpoolKey) async -> (SpoolState, Int)? {
        for state in [SpoolState.pending, .dead] {
            do throws(SpoolError) {
                return (state, try await spool.header(key, in: state).eventCount)
            } catch let error where error.code == .notFound {
                continue
            } catch {
                // It is there but unreadable: the pass quarantines it or reports it.
                return (state, 0)
            }
        }
        return nil
    }

    /// Counts the selected events in `state` for a replay's progress total. Headers suffice without a type or
    /// time filter; a filter needs every object read. Unreadable objects count 0.
    private func count(in state: SpoolState, _ selection: ReplaySelection) async -> Int {
        var total = 0
        do {
            for try await entry in spool.list(state) {
                if selection.filtersEvents {
                    let events = (try? await spool.get(entry.key, in: state).events) ?? []
                    total += events.count { selection.selects($0, in: entry.key) }
                } else {
                    total += (try? await spool.header(entry.key, in: state).eventCount) ?? 0
                }
            }
        } catch {
            logger.info(
                "cannot count the events to replay",
                metadata: ["spool.state": "\(state)", "error": "\(error)"]
            )
        }
        return total
    }
}
