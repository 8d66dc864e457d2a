import EventSpoolModel
import EventSpoolStorage

/// What a sweep and a replay do differently over the one pass machine (``SweepPass/StateMachine``): which
/// objects they read, which events they send, and how they count what they leave.
protocol SweepPolicy: Sendable {
    /// Whether events wait for their next attempt time (a sweep), or go now (a replay).
    var honoursNextAttempt: Bool { get }
    /// Whether a stopped pass goes on listing to count what it did not reach (header reads, nothing sent).
    var countsWhatIsLeft: Bool { get }
    /// Whether events left in `pending/` are added up as the pass settles them (a sweep); a replay works out
    /// what remains of its selection at the end (``finish(_:)``).
    var countsRemaining: Bool { get }
    /// Whether every event not delivered is listed in the report with why (a replay).
    var listsNotDelivered: Bool { get }
    /// Whether the pass has found everything it was asked for, so the rest of the spool can be skipped.
    var hasFoundEverything: Bool { get }

    /// How to treat a listed object before reading it.
    func visit(_ key: SpoolKey, in state: SpoolState) -> SweepVisit
    /// Whether to send one event of an object read whole; counts it in `report` when it is part of the pass.
    mutating func admit(
        _ spooled: SpooledEvent,
        at position: ReplayPlan.Position,
        report: inout SweepReport
    )
        -> SweepAdmission
    /// Why an event is sent, for the delivery attempt's policies.
    func purpose(from state: SpoolState) -> DeliveryAttempt.Purpose
    /// An event of the pass got its fate: the progress to show, if the pass shows progress.
    mutating func resolved(delivered: Bool) -> ReplayProgress?
    /// Completes the report once the pass is over; returns a last progress to show, if any.
    mutating func finish(_ report: inout SweepReport) -> ReplayProgress?
}

/// How a pass treats a listed object before reading it.
enum SweepVisit: Sendable, Equatable {
    /// Read it (a header first when the pass's reading says so).
    case read
    /// Read it only when its header says some event has an ordering key (or cannot say).
    case readIfItHasOrderingKeys
    /// Leave it unread.
    case skip
}

/// What a pass does with one event of an object it read.
enum SweepAdmission: Sendable, Equatable {
    /// Send it (through the ordering gate).
    case send
    /// Not part of the pass: leave it as it is, uncounted.
    case leave
}

/// A sweep: every pending object, events sent once due, under the retry and fallback policies.
struct SweepingPolicy: SweepPolicy {
    var honoursNextAttempt: Bool { true }
    var countsWhatIsLeft: Bool { true }
    var countsRemaining: Bool { true }
    var listsNotDelivered: Bool { false }
    var hasFoundEverything: Bool { false }

    func visit(_ key: SpoolKey, in state: SpoolState) -> SweepVisit { .read }

    func admit(
        _ spooled: SpooledEvent,
        at position: ReplayPlan.Position,
        report: inout SweepReport
    )
        -> SweepAdmission
    { .send }

    func purpose(from state: SpoolState) -> DeliveryAttempt.Purpose { .sweep }

    func resolved(delivered: Bool) -> ReplayProgress? { nil }

    func finish(_ report: inout SweepReport) -> ReplayProgress? { nil }
}
