import ArgumentParser
import EventSpool

extension Spoolctl {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put held events back into pending/ for sweeps (postsuper -H).",
            discussion: """
                Moves the selected held events back to pending/ under their own keys, in their place in \
                publish order, with their attempts and next attempt time as they were (releasing an event \
                releases the earlier held events of its ordering key in the same object with it). The next \
                sweep delivers those that are due. Prints 'released <id> <key>' per event. Waits for no \
                sweeper: exits 75 while one holds the lock.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var selection: SurgeryOptions

        func run() async throws {
            try await selection.run(
                global,
                from: .held,
                to: .pending,
                action: .released,
                elsewhere: "only held events can be released"
            ) { surgery, object, selects throws(SpoolError) in
                try await surgery.release(from: object, where: selects).map { ($0, object.key) }
            }
        }
    }
}
