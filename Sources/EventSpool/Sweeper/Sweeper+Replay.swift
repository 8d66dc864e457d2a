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
            let (sources, total, missing) = await plan(selection)
            let pass = makePass(.replay(selection, dryRun: dryRun), deadline: nil, progress: progress, report: report)
            await pass.run(sources, total: total)
            report = pass.report
            report.missing += missing
        }
    }

    /// Where the selected events are, how many there are (for progress), and which keys are not there.
    private func plan(_ selection: ReplaySelection) async -> ([SweepPass.Source], Int, [String]) {
        switch selection.base {
        case .events(let ids):
            return ([.listing(.pending), .listing(.dead)], ids.count, [])
        case .objects(let keys):
            var found: [(SpoolKey, SpoolState)] = []
            var missing: [String] = []
            var total = 0
            for key in keys {
                guard let (state, count) = await locate(key) else {
                    missing.append(key.rawValue)
                    continue
                }
                found.append((key, state))
                total += count
            }
            return ([.objects(found)], total, missing)
        case .pending(let type):
            return ([.listing(.pending)], await count(in: .pending, type: type), [])
        case .dead(let type):
            return ([.listing(.dead)], await count(in: .dead, type: type), [])
        }
    }

    /// The state an object is in (pending first, then dead), and its event count.
    private func locate(_ key: SpoolKey) async -> (SpoolState, Int)? {
        for state in [SpoolState.pending, .dead] {
            do throws(SpoolError) {
                return (state, try await spool.header(key, in: state).eventCount)
            } catch where error.code == .notFound {
                continue
            } catch {
                // It is there but unreadable: the pass quarantines it or reports it.
                return (state, 0)
            }
        }
        return nil
    }

    /// Counts the events in `state` (of `type`, when given) for a replay's progress total. Headers suffice
    /// without a type; a type filter needs every object read. Unreadable objects count 0.
    private func count(in state: SpoolState, type: String?) async -> Int {
        var total = 0
        do {
            for try await entry in spool.list(state) {
                if let type {
                    let events = (try? await spool.get(entry.key, in: state).events) ?? []
                    total += events.count { $0.event.type == type }
                } else {
                    total += (try? await spool.header(entry.key, in: state).eventCount) ?? 0
                }
            }
        } catch {
            logger.info("cannot count the events to replay", metadata: ["spool.state": "\(state)", "error": "\(error)"])
        }
        return total
    }
}
