import EventSpoolTesting
import Foundation
import Synchronization
import Testing

@testable import EventSpool
@testable import EventSpoolPolicy
@testable import EventSpoolStorage

/// The pass's decisions without I/O: events in, actions out (the driver and the spool: SweeperPassTests and the
/// other sweeper suites).
@Suite struct SweepStateMachineTests {
    @Test func eventsOfOneOrderingKeyGoOneAtATimeInOrder() {
        let pass = MachineHarness(concurrency: 4)
        pass.read(pass.object(1, [("a1", "a"), ("b1", "b"), ("a2", "a")]))
        #expect(pass.step() == ["deliver a1", "deliver b1", "visit"])
        pass.finishListing()
        #expect(pass.step() == ["await"])
        pass.attempt("a1", .delivered)
        #expect(pass.step() == ["deliver a2", "await"])
        pass.attempt("b1", .delivered)
        pass.attempt("a2", .delivered)
        #expect(pass.step() == ["settle 1", "await"])
        pass.settled(1)
        #expect(pass.step() == ["finish"])
        #expect(pass.machine.report.delivered == 3 && pass.machine.report.remaining == 0)
    }

    @Test func theWindowBoundsDeliveriesInFlight() {
        let pass = MachineHarness(concurrency: 2)
        pass.read(pass.object(1, [("e1", nil), ("e2", nil), ("e3", nil)]))
        #expect(pass.step() == ["deliver e1", "deliver e2", "await"])
        pass.attempt("e2", .delivered)
        #expect(pass.step() == ["deliver e3", "await"])
    }

    @Test func aFailureHoldsBackTheLaterEventsOfItsKeyOnly() {
        let pass = MachineHarness(concurrency: 4)
        pass.read(pass.object(1, [("a1", "a"), ("a2", "a"), ("b1", "b")]))
        #expect(pass.step() == ["deliver a1", "deliver b1", "visit"])
        pass.finishListing()
        pass.attempt("a1", .deferred)
        pass.attempt("b1", .delivered)
        #expect(pass.step() == ["settle 1", "await"])
        pass.settled(1)
        #expect(pass.step() == ["finish"])
        let report = pass.machine.report
        #expect(report.delivered == 1 && report.deferred == 2 && report.remaining == 2, "\(report)")
        #expect(pass.machine.pendingOrderingKeys == ["a"])
    }

    @Test func theDeadlineLetsDeliveriesInFlightFinishAndStartsNoOther() {
        let stop = Mutex(false)
        let pass = MachineHarness(concurrency: 1, stop: { stop.withLock { $0 } ? .deadline : nil })
        pass.read(pass.object(1, [("e1", nil), ("e2", nil)]))
        #expect(pass.step() == ["deliver e1", "await"])
        stop.withLock { $0 = true }
        pass.attempt("e1", .delivered)
        #expect(pass.step() == ["settle 1", "visit"], "a stopped sweep lists on to count what is left")
        #expect(pass.describe(pass.machine.listed(pass.key(2), in: .pending)) == "read header 2")
        let header = SpoolObjectHeader(version: 1, eventCount: 3, nextAttemptAt: pass.now, size: 100, orderingKeys: [])
        #expect(pass.describe(pass.machine.headerRead(header)) == "done")
        pass.finishListing()
        pass.settled(1)
        #expect(pass.step() == ["finish"])
        let report = pass.machine.report
        #expect(report.stoppedEarly == .deadline && report.delivered == 1, "\(report)")
        #expect(report.deferred == 4 && report.remaining == 4, "e2 and the three counted: \(report)")
    }

    @Test func anEndpointGoneStopsThePass() {
        let pass = MachineHarness(concurrency: 1)
        pass.read(pass.object(1, [("e1", nil), ("e2", nil)]))
        #expect(pass.step() == ["deliver e1", "await"])
        pass.attempt("e1", .endpointGone)
        #expect(pass.step() == ["settle 1", "visit"])
        let report = pass.machine.report
        #expect(report.stoppedEarly == .endpointGone && report.endpointGone && report.deferred == 2, "\(report)")
    }

    @Test func theCircuitBreakerOpensAfterItsThreshold() {
        let pass = MachineHarness(concurrency: 1, circuitBreakerThreshold: 2)
        pass.read(pass.object(1, [("e1", nil)]))
        #expect(pass.step() == ["deliver e1", "await"])
        pass.attempt("e1", .deferred)
        #expect(pass.machine.report.stoppedEarly == nil)
        #expect(pass.step() == ["settle 1", "visit"])
        pass.read(pass.object(2, [("e2", nil)]))
        #expect(pass.step() == ["deliver e2", "await"])
        pass.attempt("e2", .deferred)
        #expect(pass.machine.report.stoppedEarly == .circuitOpen)
    }

    @Test func afterAnObjectNotDueASweepReadsHeadersFirst() {
        let pass = MachineHarness(concurrency: 1)
        #expect(pass.step() == ["visit"])
        #expect(pass.describe(pass.machine.listed(pass.key(1), in: .pending)) == "read object 1")
        #expect(pass.describe(pass.machine.objectRead(pass.object(1, [("later", "k")], due: pass.now + 60))) == "done")
        #expect(pass.step() == ["visit"])
        // Not due by its header: no body read; its ordering keys are held back.
        #expect(pass.describe(pass.machine.listed(pass.key(2), in: .pending)) == "read header 2")
        let notDue = SpoolObjectHeader(
            version: 1,
            eventCount: 2,
            nextAttemptAt: pass.now + 60,
            size: 9,
            orderingKeys: nil
        )
        #expect(pass.describe(pass.machine.headerRead(notDue)) == "read object 2", "reads it to learn its keys")
        #expect(
            pass.describe(pass.machine.objectRead(pass.object(2, [("x", "x"), ("y", nil)], due: pass.now + 60)))
                == "done"
        )
        // Due by its header: read whole.
        #expect(pass.describe(pass.machine.listed(pass.key(3), in: .pending)) == "read header 3")
        let due = SpoolObjectHeader(version: 1, eventCount: 1, nextAttemptAt: pass.now, size: 9, orderingKeys: ["k"])
        #expect(pass.describe(pass.machine.headerRead(due)) == "read object 3")
        #expect(
            pass.describe(pass.machine.objectRead(pass.object(3, [("k2", "k"), ("x2", "x"), ("free", nil)]))) == "done"
        )
        #expect(pass.step() == ["deliver free", "await"])
        let report = pass.machine.report
        #expect(report.notDue == 3 && report.deferred == 2 && report.remaining == 3, "\(report)")
    }

    @Test func heldKeysHoldBackTheirLaterEvents() {
        let pass = MachineHarness(concurrency: 4)
        pass.machine.heldOrderingKeysRead(HeldOrderingKeys(earliestObject: ["k": pass.key(0)]))
        pass.read(pass.object(1, [("k1", "k"), ("j1", "j")]))
        #expect(pass.step() == ["deliver j1", "visit"])
        #expect(pass.machine.report.deferred == 1)
    }

    @Test func anUnreadablePendingObjectHoldsBackEveryOrderingKeyAfterIt() {
        let pass = MachineHarness(concurrency: 4)
        #expect(pass.step() == ["visit"])
        #expect(pass.describe(pass.machine.listed(pass.key(1), in: .pending)) == "read object 1")
        let error = SpoolError(code: .io, operation: "open", path: "pending/x", message: "I/O error")
        #expect(pass.describe(pass.machine.objectUnreadable(error)) == "done")
        pass.read(pass.object(2, [("k2", "k"), ("free", nil)]))
        #expect(pass.step() == ["deliver free", "visit"])
        let report = pass.machine.report
        #expect(report.unreadable == 1 && report.deferred == 1 && !report.remainingIsKnown, "\(report)")
        #expect(report.needsAttention && report.failure?.contains(pass.key(1).rawValue) == true)
        #expect(!pass.machine.knowsAllOrderingKeys)
    }

    @Test func aDamagedObjectIsQuarantined() {
        let pass = MachineHarness(concurrency: 1)
        #expect(pass.step() == ["visit"])
        _ = pass.machine.listed(pass.key(1), in: .pending)
        let damage = SpoolError(code: .corrupt, operation: "read", path: "pending/x", message: "bad checksum")
        #expect(pass.describe(pass.machine.objectUnreadable(damage)) == "quarantine 1")
        #expect(pass.describe(pass.machine.quarantined(as: pass.key(1), because: damage)) == "done")
        #expect(pass.machine.report.quarantined == 1 && pass.machine.report.unreadable == 0)
        #expect(pass.machine.report.failure == nil)
    }

    @Test func openObjectsStayWithinTheByteBudget() {
        let pass = MachineHarness(concurrency: 4, maxOpenBytes: 1000)
        // One ordering key: the later events wait at the gate, so only the budget stops the reading.
        pass.read(pass.object(1, [("a1", "k")], bodySize: 600))
        #expect(pass.step() == ["deliver a1", "visit"], "600 of 1000 bytes: room for one more")
        pass.read(pass.object(2, [("a2", "k")], bodySize: 600))
        #expect(pass.step() == ["await"], "1200 bytes open: no further read until one settles")
        pass.attempt("a1", .delivered)
        #expect(pass.step() == ["deliver a2", "settle 1", "await"])
        pass.settled(1)
        #expect(pass.step() == ["visit"])
        // An object larger than the budget is still read, alone.
        let alone = MachineHarness(concurrency: 4, maxOpenBytes: 100)
        alone.read(alone.object(1, [("big", nil)], bodySize: 500))
        #expect(alone.step() == ["deliver big", "await"])
    }

    @Test func aReplaySendsTheEarlierPendingEventsOfASelectedKeyFirst() {
        let harness = MachineHarness(concurrency: 4)
        var plan = ReplayPlan(.events(["evt-s"]))
        let before = harness.object(1, [("evt-p", "k"), ("evt-other", "o")])
        let selected = harness.object(2, [("evt-s", "k")])
        plan.noteSelected(in: selected)
        let pass = MachineHarness(concurrency: 4, policy: ReplayPolicy(plan: plan, dryRun: false))
        pass.read(before)
        #expect(pass.step() == ["deliver evt-p", "visit"])
        pass.read(selected)
        pass.finishListing()
        #expect(pass.step() == ["await"], "the selected event waits for its key's prefix")
        pass.attempt("evt-p", .delivered)
        #expect(pass.step().prefix(2) == ["progress 1/1", "deliver evt-s"])
        #expect(pass.machine.report.selected == 1 && pass.machine.report.orderingPrefix == 1)
    }
}

/// A state machine of a pass and what a driver would do, by hand: objects are read when the test says, and
/// deliveries and settlements finish when it says.
final class MachineHarness {
    var machine: SweepPass.StateMachine
    let clock = ManualWallClock(SweeperFixture.start)
    /// The ticket of every delivery started, by event id.
    private var tickets: [String: SweepPass.StateMachine.Ticket] = [:]
    /// Settlements started, by object number.
    private var settlements: [Int: (number: Int, settlement: ObjectSettlement)] = [:]

    init(
        concurrency: Int,
        circuitBreakerThreshold: Int = 10,
        maxOpenBytes: Int = 1 << 20,
        policy: any SweepPolicy = SweepingPolicy(),
        stop: @escaping @Sendable () -> SweepReport.StopReason? = { nil }
    ) {
        machine = SweepPass.StateMachine(
            policy: policy,
            clock: clock,
            concurrency: concurrency,
            circuitBreakerThreshold: circuitBreakerThreshold,
            maxOpenBytes: maxOpenBytes,
            report: SweepReport(kind: .sweep, spoolDirectory: "/spool", startedAt: SweeperFixture.start),
            stopSignal: stop
        )
    }

    var now: Date { clock.now }

    /// The key of test object `number`: keys sort by number.
    func key(_ number: Int) -> SpoolKey {
        SpoolKey.make(time: SweeperFixture.start - 60, processID: 1, nonce: 1, sequence: UInt32(number))
    }

    /// Test object `number` in `pending/` with these events (id, ordering key), due at `due` (now).
    func object(_ number: Int, _ events: [(String, String?)], due: Date? = nil, bodySize: Int = 2) -> SpoolObject {
        let spooled = events.map { id, orderingKey in
            SpooledEvent(
                event: Event(
                    id: id,
                    type: "t",
                    source: "/s",
                    orderingKey: orderingKey,
                    body: [UInt8](repeating: 0x7B, count: bodySize)
                ),
                delivery: DeliveryRecord(spooledAt: SweeperFixture.start - 60, nextAttemptAt: due ?? now)
            )
        }
        return SpoolObject(key: key(number), state: .pending, events: spooled)
    }

    /// The driver read `object` whole, as the machine asked.
    func read(_ object: SpoolObject) {
        #expect(describe(machine.listed(object.key, in: object.state)) == "read object \(number(of: object.key))")
        #expect(describe(machine.objectRead(object)) == "done")
    }

    func finishListing() {
        machine.listingEnded()
    }

    /// The actions up to the next wait, visit or finish, described; deliveries and settlements are remembered.
    func step() -> [String] {
        var described: [String] = []
        while true {
            switch machine.nextAction() {
            case .deliver(let ticket, let spooled, _):
                tickets[spooled.event.id] = ticket
                described.append("deliver \(spooled.event.id)")
            case .settle(let number, let settlement):
                let name = self.number(of: settlement.key)
                settlements[name] = (number, settlement)
                described.append("settle \(name)")
            case .showProgress(let progress):
                described.append("progress \(progress.done)/\(progress.total)")
            case .visitNextObject:
                return described + ["visit"]
            case .awaitResult:
                return described + ["await"]
            case .finish:
                return described + ["finish"]
            }
        }
    }

    enum Answer {
        case delivered, deferred, endpointGone
    }

    /// The delivery of `id` finished with `answer`.
    func attempt(_ id: String, _ answer: Answer) {
        guard let ticket = tickets[id], let spooled = machine.event(ticket) else {
            Issue.record("no delivery of \(id) started")
            return
        }
        switch answer {
        case .delivered:
            machine.attemptFinished(ticket, fate: .delivered, primary: .delivered)
        case .deferred:
            machine.attemptFinished(ticket, fate: .deferred(spooled), primary: .retryable(retryAfter: nil))
        case .endpointGone:
            let error = AttemptError(status: 410, message: "gone")
            machine.attemptFinished(ticket, fate: .endpointGone(spooled, error), primary: .endpointGone)
        }
    }

    /// The writes of test object `name` finished as planned.
    func settled(_ name: Int) {
        guard let (number, settlement) = settlements[name] else {
            Issue.record("object \(name) was not settled")
            return
        }
        var effect = ObjectSettlement.Effect()
        for fate in settlement.fates {
            switch fate {
            case .removed: continue
            case .kept(let spooled, _): effect.kept.append(spooled)
            case .dead(let spooled): effect.deadLettered.append(spooled)
            }
        }
        machine.settleFinished(number, effect)
    }

    func describe(_ action: SweepPass.StateMachine.ReadAction) -> String {
        switch action {
        case .readHeader(let key, _): "read header \(number(of: key))"
        case .readObject(let key, _): "read object \(number(of: key))"
        case .quarantine(let key, _, _): "quarantine \(number(of: key))"
        case .done: "done"
        }
    }

    private func number(of key: SpoolKey) -> Int {
        (0..<1000).first { self.key($0) == key } ?? -1
    }
}
