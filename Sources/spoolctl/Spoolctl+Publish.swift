import ArgumentParser
import EventSpool
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Spoolctl {
    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish one event: deliver it to the broker, or spool it. Never loses it.",
            discussion: """
                The body comes from --data, --data-file, or standard input when neither is given. \
                Prints 'delivered <id>' or 'spooled <id> <key> (<reason>)' (one JSON object with --json). \
                Exits 0 when the event is delivered or spooled, 1 when it is neither (the message says \
                what failed), 65 when the event is invalid, 66 when the --data-file cannot be read.
                """
        )

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The event type (ce-type).", valueName: "type"))
        var type: String

        @Option(help: ArgumentHelp("The event source (ce-source).", valueName: "source"))
        var source: String

        @Option(help: ArgumentHelp("The event id (default: a new UUIDv7).", valueName: "id"))
        var id: String?

        @Option(help: ArgumentHelp("The event subject (ce-subject).", valueName: "subject"))
        var subject: String?

        @Option(help: ArgumentHelp("Events with the same ordering key are delivered in order.", valueName: "key"))
        var orderingKey: String?

        @Option(help: ArgumentHelp("The body's media type.", valueName: "content-type"))
        var contentType = "application/json"

        @Option(help: ArgumentHelp("The body, as text.", valueName: "string"))
        var data: String?

        @Option(help: ArgumentHelp("Read the body from this file.", valueName: "path"), completion: .file())
        var dataFile: String?

        func validate() throws {
            if data != nil && dataFile != nil {
                throw ValidationError("Give at most one of --data and --data-file.")
            }
        }

        func run() async throws {
            let logger = global.makeLogger()
            let configuration = try await LoadedConfiguration.load(global, logger: logger).publisher()
            let event = Event(
                id: id,
                type: type,
                source: source,
                subject: subject,
                orderingKey: orderingKey,
                contentType: contentType,
                body: try readBody()
            )
            let publisher = try await LoadedConfiguration.making(
                broker: configuration.broker,
                spool: configuration.spool,
                logger: logger
            ) { try Publisher(configuration: configuration, logger: logger) }
            let outcome: Result<PublishOutcome, PublishError>
            do throws(PublishError) {
                outcome = .success(try await publisher.publish(event))
            } catch {
                outcome = .failure(error)
            }
            await publisher.shutdown()
            try report(outcome, event: event)
        }

        private func readBody() throws(CommandFailure) -> [UInt8] {
            if let data { return Array(data.utf8) }
            guard let dataFile else { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
            do {
                return Array(try Data(contentsOf: URL(fileURLWithPath: dataFile)))
            } catch {
                // The input names a file that cannot be read: EX_NOINPUT. Foundation's own text for that
                // ("The operation could not be completed") says nothing: the system's reason does.
                var isFolder: ObjCBool = false
                let reason =
                    FileManager.default.fileExists(atPath: dataFile, isDirectory: &isFolder) && isFolder.boolValue
                    ? "it is a folder, not a file"
                    : ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map {
                        String(cString: strerror(Int32($0.code)))
                    } ?? (error as NSError).localizedDescription
                throw CommandFailure(.notFound, "cannot read the body from \(dataFile): \(reason)")
            }
        }

        private func report(_ outcome: Result<PublishOutcome, PublishError>, event: Event) throws(CommandFailure) {
            switch outcome {
            case .success(.delivered):
                Output.line(
                    global.json ? PublishLine(outcome: "delivered", id: event.id).jsonLine() : "delivered \(event.id)"
                )
            case .success(.spooled(let key, let reason)):
                Output.line(
                    global.json
                        ? PublishLine(outcome: "spooled", id: event.id, key: key.rawValue, reason: "\(reason)")
                            .jsonLine()
                        : "spooled \(event.id) \(key) (\(reason))"
                )
            case .failure(let error) where error.code == .invalidEvent:
                throw CommandFailure(.dataError, error.description)
            case .failure(let error):
                if global.json {
                    Output.line(PublishLine(outcome: "failed", id: event.id, reason: error.description).jsonLine())
                }
                throw CommandFailure(.attention, error.description, isReportedInJSON: true)
            }
        }
    }
}

/// What `publish --json` prints: `outcome` (`delivered`, `spooled`, `failed`), `id`, `key` (the spool object;
/// null unless spooled) and `reason` (null when delivered).
private struct PublishLine: JSONFields {
    var outcome: String
    var id: String
    var key: String?
    var reason: String?

    var jsonFields: [(String, (any Encodable)?)] {
        [("outcome", outcome), ("id", id), ("key", key), ("reason", reason)]
    }
}
