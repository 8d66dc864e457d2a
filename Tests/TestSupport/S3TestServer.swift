import EventSpoolS3
import Foundation
import Logging
import Synchronization

/// A real S3-compatible server on 127.0.0.1 for tests: SeaweedFS (`weed server -s3`, signatures checked against
/// two identities) or moto (`moto_server`, which accepts any request).
///
/// One server of each kind is started per test process, the first time a test asks for it
/// (``shared(_:)``), and every test makes its own bucket (``makeBucket(prefix:)``), so tests run in parallel
/// without seeing each other's objects. The server runs in a temporary folder (data, logs, unix sockets) and is
/// SIGKILLed when the test process ends, however it ends: a watchdog process waits for the test process to close
/// its pipe.
///
/// `make test` installs both (scripts/ensure-s3-servers.sh). The programs are found as `$EVENTSPOOL_WEED` and
/// `$EVENTSPOOL_MOTO_SERVER`, else on `PATH`, else in `~/.local/bin` (where `pip install --user` puts them).
package final class S3TestServer: Sendable {
    /// Which server.
    package enum Kind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// SeaweedFS 4.x: checks SigV4 signatures, clock skew and `Content-MD5`; `If-Match` on a missing key is 412.
        case seaweedfs
        /// moto 5.x without authentication: any credentials pass; `If-Match` on a missing key is 404.
        case moto

        package var description: String { rawValue }
    }

    /// The identity with every right (SeaweedFS's `Admin`, `Read`, `List`, `Tagging`, `Write`).
    package static let adminCredentials = S3Credentials(
        accessKeyID: "SPOOLTESTKEY",
        secretAccessKey: "spooltestsecret0123456789"
    )
    /// An identity that may only read and list: SeaweedFS refuses its writes (403 `AccessDenied`).
    package static let readerCredentials = S3Credentials(
        accessKeyID: "READERKEY",
        secretAccessKey: "readersecret0123456789"
    )

    /// Which server this is.
    package let kind: Kind
    /// `http://127.0.0.1:<port>`.
    package let endpoint: String
    /// The server's own output (its log), for a failure's message.
    package let logPath: String
    private let process: Process
    /// Held open for the life of the test process: the watchdog kills the server when it closes.
    private let watchdogPipe: Pipe
    private let buckets = Atomic<Int>(0)

    init(kind: Kind, endpoint: String, logPath: String, process: Process, watchdogPipe: Pipe) {
        self.kind = kind
        self.endpoint = endpoint
        self.logPath = logPath
        self.process = process
        self.watchdogPipe = watchdogPipe
    }

    /// Freezes the server (`SIGSTOP`): connections are accepted by the kernel and never answered, as a store that
    /// hangs. ``resume()`` undoes it.
    package func suspend() {
        kill(process.processIdentifier, SIGSTOP)
    }

    /// Lets a server frozen by ``suspend()`` run again (`SIGCONT`).
    package func resume() {
        kill(process.processIdentifier, SIGCONT)
    }

    /// Whether the server process is still running.
    package var isRunning: Bool { process.isRunning }

    /// The server of `kind` for this test process, started (and made ready) the first time it is asked for.
    ///
    /// - Throws: ``S3TestServerError`` when the program is missing or the server did not become ready.
    package static func shared(_ kind: Kind) async throws -> S3TestServer {
        try await Starter.shared.server(kind)
    }

    /// A configuration for `bucket` on this server, signed with `credentials` (the admin identity by default),
    /// with short retries so that a test of a failure does not wait long.
    package func configuration(
        bucket: String,
        prefix: String = "",
        credentials: S3Credentials? = S3TestServer.adminCredentials
    ) -> S3Configuration {
        S3Configuration(
            endpoint: endpoint,
            bucket: bucket,
            prefix: prefix,
            credentials: credentials,
            // SeaweedFS keeps the loser of a conditional-write race waiting in 1-second lock retries.
            timeout: S3Configuration.Timeout(connect: .seconds(2), request: .seconds(20), operation: .seconds(40)),
            retry: S3Configuration.Retry(baseDelay: .milliseconds(20), maxDelay: .milliseconds(500), maxAttempts: 6)
        )
    }

    /// Makes a new, empty bucket with a name no other test uses, and returns its configuration.
    ///
    /// - Parameter prefix: The configuration's key prefix.
    package func makeBucket(prefix: String = "") async throws -> S3Configuration {
        let number = buckets.add(1, ordering: .relaxed).newValue
        let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let configuration = configuration(bucket: "t\(number)-\(nonce)", prefix: prefix)
        let client = try S3Client(configuration: configuration, logger: Logger(label: "S3TestServer"))
        do {
            _ = try await client.createBucket()
        } catch {
            await client.shutdown()
            throw S3TestServerError("cannot create a bucket on \(kind) at \(endpoint): \(error)")
        }
        await client.shutdown()
        return configuration
    }

    /// The last `maxBytes` of the server's log.
    package func logTail(maxBytes: Int = 4096) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log at \(logPath))" }
        return String(decoding: data.suffix(maxBytes), as: UTF8.self)
    }

    /// Starts each kind once, whichever test asks first; later callers wait for that start.
    private actor Starter {
        static let shared = Starter()
        private var starting: [Kind: Task<S3TestServer, any Error>] = [:]

        func server(_ kind: Kind) async throws -> S3TestServer {
            if let task = starting[kind] {
                return try await task.value
            }
            let task = Task { try await S3TestServer.launch(kind) }
            starting[kind] = task
            return try await task.value
        }
    }
}

/// An S3 test server that could not be started or used.
package struct S3TestServerError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
