import ArgumentParser
import EventSpool

extension Spoolctl {
    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep pending events out of sweeps and replays until released (postsuper -h).",
            discussion: """
                Moves the selected pending events to held/, where sweeps and replays leave them; list --held \
                shows them, release brings them back. A held event still holds its ordering key: later events \
                of that key wait in pending/ (deferred) until it is released or purged, and holding an event \
                holds the later events of its key in the same object with it. Prints 'held <id> <key>' per \
                event. Waits for no sweeper: exits 75 while one holds the lock.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var selection: SurgeryOptions

        func run() async throws {
            try await selection.run(
                global,
                from: .pending,
                to: .held,
                action: .held,
                elsewhere: "only pending events can be held"
            ) { surgery, object, selects throws(SpoolError) in
                try await surgery.hold(from: object, where: selects).map { ($0, object.key) }
            }
        }
    }
}
