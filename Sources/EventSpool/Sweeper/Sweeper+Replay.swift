import EventSpoolStorage
import Logging

extension Sweeper {
    /// Delivers the selected events now, ignoring their backoff — `spoolctl replay`.
    ///
    /// Holds the spool's lock like a sweep. A dead event that is delivered leaves `dead/`; one that fails again
    /// stays in `dead/` with the attempt recorded. A pending event that fails again stays pending, unless the
    /// failure is permanent (a 400) or its retries are exhausted: then the fallback policy applies, as in a
    /// sweep, and the report names it. Ordering keys are kept in order: before a selected event, the replay
    /// sends the earlier events of its ordering key still in `pending/` (counted in
    /// ``SweepReport/orderingPrefix``), and it sends the selected one only once those are delivered; later
    /// events of the key are left to the sweeper.
    ///
    /// - Parameters:
    ///   - selection: Which events: ids, object keys, every pending event, or every dead one (optionally of one type).
    ///   - dryRun: Only find and count the selected events (``SweepReport/selected``) and the earlier ones of
    ///     their ordering keys (``SweepReport/orderingPrefix``); send and change nothing. A dry run does not
    ///     take the lock.
    ///   - progress: Called as selected events are dealt with, for a progress bar.
    /// - Returns: The report, with ``SweepReport/missing`` naming ids or keys that were not found.
    public func replay(
        _ selection: ReplaySelection,
        dryRun: Bool = false,
        progress: (@Sendable (ReplayProgress) -> Void)? = nil
    ) async -> SweepReport {
        await locked(.replay, takingLock: !dryRun) { report, lease in
            report.dryRun = dryRun
            let (sources, plan) = await plan(selection)
            let pass = makePass(
                ReplayPolicy(plan: plan, dryRun: dryRun),
                lease: lease,
                deadline: nil,
                progress: progress,
                report: report
            )
            await pass.run(sources, total: plan.total)
            report = pass.report
        }
    }

    /// Where the selected events are, how many there are (for progress), and where the last selected event of
    /// each ordering key is (for its prefix).
    private func plan(_ selection: ReplaySelection) async -> ([SweepPass.Source], ReplayPlan) {
        var plan = ReplayPlan(selection)
        // Without a type or time filter only objects with ordering keys need reading; the others count by their
        // header.
        let reading: PlanReading = selection.filtersEvents ? .everything : .orderingKeys
        // The earlier pending events of a selected key may be anywhere before it, in key order with dead/.
        let merged = SweepPass.Source.listing([.pending, .dead])
        switch selection.scope {
        case .named(let ids, let keys) where ids.isEmpty:
            var located: [(SpoolKey, SpoolState)] = []
            for key in keys.sorted() {
                guard let state = await locate(key) else { continue }
                located.append((key, state))
                await note(key, in: state, into: &plan, reading: reading)
            }
            return (plan.hasPrefixes ? [merged] : [.objects(located)], plan)
        case .named(let ids, _):
            // Events named by id must be searched for, in every object until all are found.
            await scan([.pending, .dead], into: &plan, reading: .everything, untilFound: ids)
            return ([merged], plan)
        case .pending:
            // Every pending event the filters let through is selected: a prefix matters only with a filter.
            await scan([.pending], into: &plan, reading: selection.filtersEvents ? .everything : .headers)
            return ([.listing([.pending])], plan)
        case .dead:
            await scan([.dead], into: &plan, reading: reading)
            return (plan.hasPrefixes ? [merged] : [.listing([.dead])], plan)
        }
    }

    /// How much of an object planning reads.
    private enum PlanReading {
        /// Only headers: counts, no ordering keys.
        case headers
        /// Headers, and the whole object when its header says it has ordering keys.
        case orderingKeys
        /// Every object whole (to find ids or types).
        case everything
    }

    /// The state an object is in (pending first, then dead).
    private func locate(_ key: SpoolKey) async -> SpoolState? {
        for state in [SpoolState.pending, .dead] {
            do throws(SpoolError) {
                _ = try await spool.header(key, in: state)
                return state
            } catch let error where error.code == .notFound {
                continue
            } catch {
                // It is there but unreadable: the pass quarantines it or reports it.
                return state
            }
        }
        return nil
    }

    /// Notes the selected events of the objects in `states`, state by state in key order; stops once every id
    /// in `ids` (when given) was found.
    private func scan(
        _ states: [SpoolState],
        into plan: inout ReplayPlan,
        reading: PlanReading,
        untilFound ids: Set<String>? = nil
    ) async {
        var found: Set<String> = []
        for state in states {
            do {
                for try await entry in spool.list(state) {
                    let events = await note(entry.key, in: state, into: &plan, reading: reading)
                    guard let ids else { continue }
                    found.formUnion(events.lazy.map(\.event.id).filter(ids.contains))
                    if found.count == ids.count { return }
                }
            } catch {
                logger.info(
                    "cannot count the events to replay",
                    metadata: ["spool.state": "\(state)", "error": "\(error)"]
                )
            }
        }
    }

    /// Notes the selected events of one object; returns its events when it was read whole. Unreadable objects
    /// count 0: the pass quarantines or reports them.
    @discardableResult
    private func note(
        _ key: SpoolKey,
        in state: SpoolState,
        into plan: inout ReplayPlan,
        reading: PlanReading
    ) async -> [SpooledEvent] {
        if reading != .everything {
            guard let header = try? await spool.header(key, in: state) else { return [] }
            if reading == .headers || header.orderingKeys == [] {
                plan.total += header.eventCount
                return []
            }
        }
        guard let object = try? await spool.get(key, in: state) else { return [] }
        plan.noteSelected(in: object)
        return object.events
    }
}
