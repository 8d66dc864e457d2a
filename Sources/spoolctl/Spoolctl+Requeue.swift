import ArgumentParser
import EventSpool
import Foundation

extension Spoolctl {
    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give dead events a fresh start in pending/, without delivering now (postsuper -r).",
            discussion: """
                Puts the selected dead events into pending/ as a new object (behind everything waiting, as a \
                new publish), due at once, with no attempts counted and their time in the spool starting now, \
                so retry.maxAttempts and retry.maxAge count afresh; their attempt history is kept. The next \
                sweep delivers them (replay --dead delivers at once instead). Prints 'requeued <id> <new key> \
                (was <dead key>)' per event. Waits for no sweeper: exits 75 while one holds the lock.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var selection: SurgeryOptions

        func run() async throws {
            let now = Date()
            try await selection.run(
                global,
                from: .dead,
                to: .pending,
                action: .requeued,
                elsewhere: "only dead events can be requeued"
            ) { surgery, object, selects throws(SpoolError) in
                let (key, events) = try await surgery.requeue(from: object, where: selects, now: now)
                return events.map { ($0, key ?? object.key) }
            }
        }
    }
}
