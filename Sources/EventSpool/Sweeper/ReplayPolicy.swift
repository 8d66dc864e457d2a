import EventSpoolModel
import EventSpoolStorage

/// An operator's replay: the selected events (and the earlier pending events of their ordering keys) are sent
/// now, ignoring backoff; with `dryRun` they are only counted. Every event not delivered is listed with why.
struct ReplayPolicy: SweepPolicy {
    let plan: ReplayPlan
    let dryRun: Bool
    /// Named ids and object keys found so far.
    private var foundIDs: Set<String> = []
    private var foundKeys: Set<SpoolKey> = []
    private var progressDone = 0
    private var progressDelivered = 0

    init(plan: ReplayPlan, dryRun: Bool) {
        self.plan = plan
        self.dryRun = dryRun
    }

    var honoursNextAttempt: Bool { false }
    var countsWhatIsLeft: Bool { false }
    var countsRemaining: Bool { false }
    var listsNotDelivered: Bool { true }

    /// A replay of named events and objects has found every one of them.
    var hasFoundEverything: Bool {
        guard case .named(let ids, let keys) = plan.selection.scope else { return false }
        return foundIDs.count == ids.count && foundKeys.count == keys.count
    }

    /// An object that may hold selected events is read; one that may only hold events of an ordering key's
    /// prefix is read when its header says it has ordering keys.
    func visit(_ key: SpoolKey, in state: SpoolState) -> SweepVisit {
        if plan.selection.mayHold(key, in: state) { return .read }
        return plan.mayHoldPrefix(key, in: state) ? .readIfItHasOrderingKeys : .skip
    }

    mutating func admit(
        _ spooled: SpooledEvent,
        at position: ReplayPlan.Position,
        report: inout SweepReport
    )
        -> SweepAdmission
    {
        noteFound(spooled.event.id, in: position.key)
        if plan.selection.selects(spooled, in: position.key, state: position.state) {
            report.selected += 1
        } else if plan.isPrefix(spooled.event, at: position) {
            // Sent first, so that the selected event of its key does not overtake it.
            report.orderingPrefix += 1
        } else {
            return .leave
        }
        return dryRun ? .leave : .send
    }

    func purpose(from state: SpoolState) -> DeliveryAttempt.Purpose {
        .replay(fromDead: state == .dead)
    }

    mutating func resolved(delivered: Bool) -> ReplayProgress? {
        progressDone += 1
        progressDelivered += delivered ? 1 : 0
        return ReplayProgress(done: progressDone, total: max(plan.total, progressDone), delivered: progressDelivered)
    }

    mutating func finish(_ report: inout SweepReport) -> ReplayProgress? {
        let replayed = report.selected + report.orderingPrefix
        report.remaining = max(0, replayed - report.delivered - report.deliveredToSecondary)
        if case .named(let ids, let keys) = plan.selection.scope {
            report.missing = ids.subtracting(foundIDs).sorted() + keys.subtracting(foundKeys).map(\.rawValue).sorted()
        }
        // The total was an estimate when a type filter met objects named by key: end the bar at 100 %.
        guard plan.total != progressDone && !dryRun else { return nil }
        return ReplayProgress(done: progressDone, total: progressDone, delivered: progressDelivered)
    }

    private mutating func noteFound(_ id: String, in key: SpoolKey) {
        guard case .named(let ids, let keys) = plan.selection.scope else { return }
        if ids.contains(id) { foundIDs.insert(id) }
        if keys.contains(key) { foundKeys.insert(key) }
    }
}
