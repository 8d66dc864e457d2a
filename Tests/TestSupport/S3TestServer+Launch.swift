import EventSpoolS3
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

// Starting a server: its program, its ports, its folder, the watchdog that kills it, and the wait until it takes a
// write.
extension S3TestServer {
    /// Starts a server of `kind` in a new temporary folder, with `environment` added to this process's, and waits
    /// until it stores an object.
    static func launch(_ kind: Kind, environment: [String: String] = [:]) async throws -> S3TestServer {
        let folder = NSTemporaryDirectory() + "/eventspool-s3-\(kind)-\(getpid())-\(UInt16.random(in: 0...9999))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var lastProblem = ""
        // A port found free can be taken before the server binds it (another helper's server, an outgoing
        // connection): then the server exits at once, and another port is tried.
        for attempt in 1...5 {
            let run = folder + "/run\(attempt)"
            try FileManager.default.createDirectory(atPath: run + "/data", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: run + "/log", withIntermediateDirectories: true)
            let (arguments, port, leftovers) =
                switch kind {
                case .seaweedfs: try seaweedFSArguments(run: run)
                case .moto: try motoArguments()
                }
            let logPath = run + "/server.out"
            let process = try start(program(kind), arguments: arguments, environment: environment, logPath: logPath)
            let watchdog = try startWatchdog(killing: process, removing: leftovers + [folder])
            let server = S3TestServer(
                kind: kind,
                endpoint: "http://127.0.0.1:\(port)",
                logPath: logPath,
                processIdentifier: process,
                watchdogPipe: watchdog
            )
            if try await server.waitUntilWritable() {
                return server
            }
            lastProblem = server.logTail(maxBytes: 1500)
            guard lastProblem.contains("address already in use") else { break }
        }
        throw S3TestServerError("\(kind) did not start; its last words:\n\(lastProblem)")
    }

    /// `weed server` with master, volume, filer and S3 gateway on four ports below the ephemeral range (each with
    /// its gRPC twin at +10000: inside the range an outgoing connection often holds one), everything it writes in
    /// `run`, and buckets created only when asked (as on AWS).
    private static func seaweedFSArguments(run: String) throws -> ([String], Int, [String]) {
        let base = try freeSeaweedFSBase()
        let identities = """
            {"identities":[
             {"name":"spool","credentials":[{"accessKey":"\(adminCredentials.accessKeyID)",
               "secretKey":"\(adminCredentials.secretAccessKey)"}],"actions":["Admin","Read","List","Tagging","Write"]},
             {"name":"reader","credentials":[{"accessKey":"\(readerCredentials.accessKeyID)",
               "secretKey":"\(readerCredentials.secretAccessKey)"}],"actions":["Read","List"]}]}
            """
        try identities.write(toFile: run + "/s3-config.json", atomically: true, encoding: .utf8)
        let arguments = [
            "-logdir=\(run)/log", "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir=\(run)/data",
            "-master.port=\(base)", "-volume.port=\(base + 1)", "-filer.port=\(base + 2)", "-s3",
            "-s3.port=\(base + 3)", "-s3.config=\(run)/s3-config.json", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-filer.localSocket=\(run)/filer.sock", "-s3.localSocket=\(run)/s3.sock",
            // Every bucket takes 7 volumes: with the count left to weed (free disk / size limit) a full test run
            // ran out after about 160 buckets (500 InternalError on every PUT to a new one).
            "-master.volumeSizeLimitMB=16", "-volume.max=20000", "-master.resumeState=false",
            "-s3.autoCreateBucket=false",
        ]
        // weed puts its gRPC unix sockets in /tmp whatever it is told, and leaves them after SIGKILL.
        let sockets = ["master", "volume", "filer", "s3"].enumerated().map { index, service in
            "/tmp/seaweedfs-\(service)-grpc-\(base + index + 10000).sock"
        }
        return (arguments, base + 3, sockets)
    }

    /// `moto_server` on a free port of 127.0.0.1 in 23000–29999: below the ephemeral range, where the loopback test
    /// brokers live (a broker that stops listening on purpose must find its port refused, not answered by moto),
    /// and clear of SeaweedFS's ports and their gRPC twins. moto keeps everything in memory.
    private static func motoArguments() throws -> ([String], Int, [String]) {
        for _ in 0..<200 {
            let port = Int.random(in: 23000...29999)
            if isFree(port) {
                return (["-H", "127.0.0.1", "-p", "\(port)"], port, [])
            }
        }
        throw S3TestServerError("no free port for moto in 23000-29999")
    }

    /// A base port in 20000–22760 whose four ports and their gRPC twins are free.
    private static func freeSeaweedFSBase() throws -> Int {
        for _ in 0..<200 {
            let base = 20000 + 4 * Int.random(in: 0...690)
            let ports = (0..<4).flatMap { [base + $0, base + $0 + 10000] }
            if ports.allSatisfy(isFree) {
                return base
            }
        }
        throw S3TestServerError("no free base port for SeaweedFS in 20000-22760")
    }

    /// Whether 127.0.0.1:`port` can be bound (it is bound and let go at once).
    private static func isFree(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(socket, address, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// The server's program: `$EVENTSPOOL_WEED` / `$EVENTSPOOL_MOTO_SERVER`, else on `PATH`, else in
    /// `~/.local/bin`.
    private static func program(_ kind: Kind) throws -> String {
        let (variable, name) =
            switch kind {
            case .seaweedfs: ("EVENTSPOOL_WEED", "weed")
            case .moto: ("EVENTSPOOL_MOTO_SERVER", "moto_server")
            }
        let environment = ProcessInfo.processInfo.environment
        if let given = environment[variable] { return given }
        let folders =
            (environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + [NSHomeDirectory() + "/.local/bin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
            return folder + "/" + name
        }
        throw S3TestServerError(
            "\(name) is not installed (not on PATH, not in ~/.local/bin); scripts/ensure-s3-servers.sh installs it "
                + "(make test runs it first)"
        )
    }

    /// Runs `program` with its output going to `logPath`, started with `posix_spawn` (Foundation's `Process`
    /// watches its children with a dispatch source, and several of them at once crashed the test process).
    private static func start(
        _ program: String,
        arguments: [String],
        environment: [String: String],
        logPath: String
    ) throws -> pid_t {
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw S3TestServerError("cannot create \(logPath): errno \(errno)") }
        defer { close(log) }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        return try spawn(program, arguments: arguments, environment: variables, input: nil, output: log)
    }

    /// A shell that waits for the end of its input — the test process ending, however it ends — then SIGKILLs
    /// the server and removes `paths`. Returns the pipe's write end, to hold open until then.
    private static func startWatchdog(killing pid: pid_t, removing paths: [String]) throws -> Int32 {
        var pipe: [Int32] = [-1, -1]
        guard GNU.pipe2(&pipe, O_CLOEXEC) == 0 else { throw S3TestServerError("cannot make a pipe: errno \(errno)") }
        defer { close(pipe[0]) }
        let script = "cat >/dev/null; kill -KILL \"$0\" 2>/dev/null; sleep 1; rm -rf \"$@\""
        do {
            _ = try spawn(
                "/bin/sh",
                arguments: ["-c", script, "\(pid)"] + paths,
                environment: ["PATH": "/usr/bin:/bin"],
                input: pipe[0],
                output: nil
            )
        } catch {
            kill(pid, SIGKILL)
            close(pipe[1])
            throw S3TestServerError("cannot run the watchdog /bin/sh: \(error)")
        }
        return pipe[1]
    }

    /// Starts `program` with standard input from `input` (else `/dev/null`) and standard output and error to
    /// `output` (else `/dev/null`), inheriting no other descriptor.
    private static func spawn(
        _ program: String,
        arguments: [String],
        environment: [String: String],
        input: Int32?,
        output: Int32?
    ) throws -> pid_t {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input ?? null, 0)
        posix_spawn_file_actions_adddup2(&actions, output ?? null, 1)
        posix_spawn_file_actions_adddup2(&actions, output ?? null, 2)
        GNU.addCloseFrom(&actions, 3)
        var argv = ([program] + arguments).map { strdup($0) } + [nil]
        var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for string in argv + envp { free(string) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, &argv, &envp)
        guard spawned == 0 else { throw S3TestServerError("cannot run \(program): errno \(spawned)") }
        return pid
    }

    /// Polls with real requests until the server creates a bucket and stores an object in it (SeaweedFS answers
    /// a listing before its volumes take writes), the server exits (`false`), or two minutes pass.
    private func waitUntilWritable() async throws -> Bool {
        let configuration = configuration(bucket: "ready-probe")
        return try await withS3Client(configuration: configuration, logger: Logger(label: "S3TestServer")) { client in
            let giveUp = ContinuousClock.now + .seconds(120)
            var lastError = ""
            while ContinuousClock.now < giveUp {
                guard isRunning else { return false }
                do {
                    // Each call retries a refused connection with backoff, which paces the polling.
                    let deadline = ContinuousClock.now + .seconds(3)
                    _ = try await client.createBucket(deadline: deadline)
                    _ = try await client.putIfAbsent("ready", bytes: Array("ok".utf8), deadline: deadline)
                    return true
                } catch {
                    lastError = "\(error)"
                    // An answer that is not retried (403 while the identities load) comes back at once.
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            throw S3TestServerError("\(kind) at \(endpoint) did not take a write within 2 minutes: \(lastError)")
        }
    }
}
