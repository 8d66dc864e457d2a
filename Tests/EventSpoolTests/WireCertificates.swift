import Foundation
import TestSupport

/// A throw-away certificate authority, a server certificate for 127.0.0.1 and a client certificate,
/// made with the `openssl` command line tool in a temporary directory (EC P-256 keys: fast to make).
struct WireCertificates {
    /// The directory holding every file; ``remove()`` deletes it.
    let directory: String
    /// The CA certificate (PEM): trust it to accept the server, or require it of the client.
    var caFile: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    /// Makes the CA and both certificates, valid for two days.
    static func make() async throws -> WireCertificates {
        let directory = try TemporaryDirectory(prefix: "tls").path
        let certificates = WireCertificates(directory: directory)
        do {
            try await certificates.makeFiles()
        } catch {
            certificates.remove()
            throw error
        }
        return certificates
    }

    private func makeFiles() async throws {
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Self.openssl(
            ["req", "-x509"] + curve + [
                "-keyout", directory + "/ca.key", "-out", caFile, "-days", "2", "-subj", "/CN=EventSpool Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]
        )
        for (name, commonName, extensions) in [
            ("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
            ("client", "eventspool-client", "extendedKeyUsage=clientAuth\n"),
        ] {
            let extensionFile = "\(directory)/\(name).ext"
            try extensions.write(toFile: extensionFile, atomically: false, encoding: .utf8)
            try await Self.openssl(
                ["req"] + curve + [
                    "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr", "-subj",
                    "/CN=\(commonName)",
                ]
            )
            try await Self.openssl([
                "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", caFile, "-CAkey", directory + "/ca.key",
                "-CAcreateserial", "-out", "\(directory)/\(name).pem", "-days", "2", "-extfile", extensionFile,
            ])
        }
    }

    /// Deletes every file.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `openssl` with `arguments`, and throws its error output when it fails.
    private static func openssl(_ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errorOutput = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorOutput
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: WireReceiverError("cannot run openssl: \(error)"))
            }
        }
        guard status == 0 else {
            let message = String(decoding: errorOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw WireReceiverError(
                "openssl \(arguments.prefix(2).joined(separator: " ")) failed (\(status)): \(message)"
            )
        }
    }
}
