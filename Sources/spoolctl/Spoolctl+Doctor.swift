import ArgumentParser
import EventSpool
import Logging

extension Spoolctl {
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the spool's S3 bucket can hold a spool: writable, with atomic conditional writes.",
            discussion: """
                With spool.backend s3: creates a small object once under <prefix>/probe/, reads it back and \
                deletes it, then runs the race probe: --rounds rounds of --writers concurrent creates of one new \
                key, replaces of one version and deletes of one version; each round must have exactly one winner \
                and leave the winner's bytes. The probe's objects are deleted as it goes. A pass is recorded in \
                <prefix>/probe/passed, which spares the spools their start-up probe. On SeaweedFS the losers of \
                a race wait in 1-second lock retries: the default probe takes minutes. With a directory backend \
                there is nothing to probe (exit 0). Exits 1 when the store fails (writes not atomic, or the \
                object written does not come back), 69 when it cannot be reached or refuses, 73 when the bucket \
                does not exist. With --json, one object: {"backend", "location", "endpoint", "server", "write", \
                "probe", "passed", "recorded"}.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Rounds of each race (1-1000).", valueName: "n"))
        var rounds = 30

        @Option(help: ArgumentHelp("Concurrent writers per round (2-64).", valueName: "n"))
        var writers = 16

        func validate() throws {
            guard (1...1000).contains(rounds) else { throw ValidationError("--rounds must be 1-1000, not \(rounds).") }
            guard (2...64).contains(writers) else { throw ValidationError("--writers must be 2-64, not \(writers).") }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).spool()
            guard let store = configuration.objectStore else {
                let result = DoctorResult(directory: configuration.directory)
                Output.line(
                    global.json
                        ? result.jsonLine()
                        : "spool.backend is directory (\(configuration.directory)): nothing to probe; the race "
                            + "probe checks the conditional writes of an S3 bucket"
                )
                return
            }
            let probe = S3RaceProbe(configuration: .init(writers: writers, rounds: rounds))
            if !global.json {
                Output.line(
                    "checking \(store.location): \(rounds) rounds of \(writers) writers per race"
                )
                Output.flush()
            }
            let report: S3StoreCheck.Report
            do throws(S3Error) {
                report = try await S3StoreCheck.run(store: store, probe: probe, logger: logger)
            } catch {
                throw Self.failure(error)
            }
            if global.json {
                Output.line(DoctorResult(report).jsonLine())
            } else {
                for line in Self.lines(report) { Output.line(line) }
            }
            if !report.passed {
                throw CommandFailure(.attention, "")
            }
        }

        /// The report for a person.
        private static func lines(_ report: S3StoreCheck.Report) -> [String] {
            var lines = ["store: \(report.endpoint), server: \(report.server ?? "(no Server header)")"]
            if let problem = report.write.problem {
                lines.append("write check FAILED (\(report.write.key)): \(problem)")
                return lines
            }
            lines.append(
                "write check: created, read back and deleted \(report.write.key) in "
                    + "\(DoctorResult.seconds(report.write.duration)) s"
            )
            guard let probe = report.probe else { return lines }
            lines += probe.summary
            if probe.passed {
                lines.append(
                    "passed in \(DoctorResult.seconds(probe.duration)) s: the store's conditional writes are atomic"
                        + (report.recorded ? "; recorded in \(Self.recordLocation(report.location))" : "")
                )
            } else {
                lines.append("FAILED: " + probe.refusal(bucket: report.location, endpoint: report.endpoint))
            }
            return lines
        }

        /// `s3://bucket/prefix/probe/passed`.
        private static func recordLocation(_ location: String) -> String {
            (location.hasSuffix("/") ? location : location + "/") + S3RaceProbe.recordName
        }

        /// The exit status of a store that could not be asked: 69 (`unavailable`) when it does not answer or
        /// refuses, as for every command on a bucket.
        private static func failure(_ error: S3Error) -> CommandFailure {
            switch error.code {
            case .invalidConfiguration, .invalidKey:
                CommandFailure(.configuration, error.description)
            case .notFound:
                CommandFailure(.cannotOpenSpool, error.description)
            default:
                CommandFailure(.unavailable, error.description)
            }
        }
    }
}
