import ArgumentParser
import EventSpool
import Logging

import class Foundation.ProcessInfo

extension CrashTest {
    /// Publishes from several tasks until told how many events, or until killed, and writes every id to a
    /// start log before its publish and to an acknowledgement log after its publish returned.
    ///
    /// Standard output carries the progress the tests wait on: `ready` once the publisher (and its spool) is
    /// open, `acked <total>` after every durable batch of acknowledgements, `done` at a clean end.
    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish events from concurrent tasks, journalling each start and acknowledgement."
        )

        @Option(help: "The spool directory; with --s3-endpoint, the local last resort.")
        var spoolDir: String

        @Option(
            help: """
                Spool into a bucket of this S3-compatible store (credentials from AWS_ACCESS_KEY_ID and \
                AWS_SECRET_ACCESS_KEY); --spool-dir is then the local last resort.
                """
        )
        var s3Endpoint: String?

        @Option(help: "The bucket, with --s3-endpoint.")
        var s3Bucket = ""

        @Option(help: "The longest one store operation may take, in milliseconds, with --s3-endpoint.")
        var s3TimeoutMilliseconds = 2000

        @Option(help: "The broker's URL.")
        var brokerURL: String

        @Option(
            help: """
                The acknowledgement log: '<id> delivered|spooled' (or '<id> failed <code>') per publish that \
                returned, fsynced.
                """
        )
        var ackLog: String

        @Option(help: "The start log: '<id>' per publish, written before the publish begins.")
        var startLog: String

        @Option(help: "fallback or writeAhead.")
        var mode = "fallback"

        @Option(help: "How many tasks publish at once.")
        var tasks = 8

        @Option(help: "Events per task; 0 publishes until the process is killed.")
        var events = 0

        @Option(help: "The start of every event id: ids are '<prefix>-t<task>-<n>'.")
        var idPrefix: String

        @Option(help: "Sent as the X-Sender header with every request, to tell senders apart at the broker.")
        var sender = "publisher"

        @Option(help: "The total timeout of one delivery attempt, in milliseconds.")
        var timeoutMilliseconds = 2000

        @Option(help: "How long the circuit stays open after 5 failures, in milliseconds.")
        var breakMilliseconds = 200

        @Option(help: "The ordering key of every event; none by default.")
        var orderingKey: String?

        @Option(
            help: """
                Seconds added to the wall clock the publisher and its spool read (negative: a clock stepped back, \
                as after an NTP correction).
                """
        )
        var clockOffsetSeconds = 0.0

        func validate() throws {
            guard Publisher.Mode(mode) != nil else {
                throw ValidationError("--mode must be fallback or writeAhead, not '\(mode)'.")
            }
            guard tasks >= 1, events >= 0, timeoutMilliseconds > 0, breakMilliseconds > 0 else {
                throw ValidationError("--tasks, --timeout-milliseconds and --break-milliseconds must be positive.")
            }
        }

        func run() async throws {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .error
                return handler
            }
            let logger = Logger(label: "eventspool-crashtest")
            let timeout = Duration.milliseconds(timeoutMilliseconds)
            let configuration = Publisher.Configuration(
                broker: BrokerConfiguration(
                    url: brokerURL,
                    connectTimeout: timeout,
                    timeout: timeout,
                    headers: ["X-Sender": sender]
                ),
                spool: spoolConfiguration,
                mode: Publisher.Mode(mode) ?? .fallback,
                circuitBreaker: CircuitBreakerConfiguration(
                    failureThreshold: 5,
                    breakDuration: .milliseconds(breakMilliseconds)
                ),
                // Spooled events are due at once, so sweepers racing this process deliver them.
                retry: RetryPolicy(baseDelay: .zero, jitter: 0)
            )
            let journal = try PublishJournal(acknowledgements: ackLog, starts: startLog)
            let publisher = try Publisher(
                configuration: configuration,
                clock: OffsetWallClock(offset: clockOffsetSeconds),
                logger: logger
            )
            journal.announce("ready")

            await withTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var number = 0
                        while events == 0 || number < events {
                            let id = "\(idPrefix)-t\(task)-\(number)"
                            number += 1
                            await journal.started(id)
                            let event = Event(
                                id: id,
                                type: "com.example.crashtest",
                                source: "/eventspool-crashtest/\(sender)",
                                orderingKey: orderingKey,
                                text: Self.body(task: task, number: number)
                            )
                            do throws(PublishError) {
                                switch try await publisher.publish(event) {
                                case .delivered: await journal.acknowledged(id, "delivered")
                                case .spooled(_, let reason) where reason.lastResort != nil:
                                    await journal.acknowledged(id, "spooled-locally")
                                case .spooled: await journal.acknowledged(id, "spooled")
                                }
                            } catch {
                                await journal.acknowledged(id, "failed \(error.code)")
                            }
                        }
                    }
                }
            }
            await publisher.shutdown()
            journal.announce("done")
        }

        /// The spool directory, or the bucket with the directory as its last resort.
        private var spoolConfiguration: SpoolConfiguration {
            var configuration = SpoolConfiguration(directory: spoolDir)
            if let s3Endpoint {
                let environment = ProcessInfo.processInfo.environment
                configuration.objectStore = SpoolConfiguration.ObjectStore(
                    endpoint: s3Endpoint,
                    bucket: s3Bucket,
                    credentials: environment["AWS_ACCESS_KEY_ID"].map {
                        SpoolConfiguration.ObjectStore.Credentials(
                            accessKeyID: $0,
                            secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"] ?? ""
                        )
                    },
                    timeout: .milliseconds(s3TimeoutMilliseconds)
                )
            }
            return configuration
        }

        /// A JSON body of 30 to 540 bytes: objects of many sizes.
        private static func body(task: Int, number: Int) -> String {
            #"{"task":\#(task),"n":\#(number),"pad":"\#(String(repeating: "x", count: number % 512))"}"#
        }
    }
}
