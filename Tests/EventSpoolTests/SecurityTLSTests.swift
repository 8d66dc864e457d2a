import Foundation
import Testing

@testable import EventSpool

/// TLS against a real HTTPS receiver (Python's `ssl` on 127.0.0.1) with a throw-away CA made by
/// `openssl`: verification on by default, a custom CA, a client certificate, a minimum version.
@Suite(.timeLimit(.minutes(2)))
struct SecurityTLSTests {
    func withCertificates<T>(_ body: (WireCertificates) async throws -> T) async throws -> T {
        let certificates = try await WireCertificates.make()
        defer { certificates.remove() }
        return try await body(certificates)
    }

    func serverArguments(_ certificates: WireCertificates) -> [String] {
        ["--no-verify", "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey]
    }

    func deliver(to url: String, tls: BrokerConfiguration.TLS) async throws -> DeliveryResult {
        try await WireTestSupport.withClient(BrokerConfiguration(url: url, tls: tls)) { client in
            await client.deliver(Event(type: "t", source: "/s", text: "{}"))
        }
    }

    @Test func anUnknownAuthorityIsRefusedAndTheConfiguredCAIsTrusted() async throws {
        try await withCertificates { certificates in
            try await WireReceiver.with(arguments: serverArguments(certificates)) { receiver in
                let refused = try await deliver(to: receiver.url, tls: .default)
                #expect(refused.outcome == .retryable(retryAfter: nil))
                let message = try #require(refused.error?.message)
                #expect(message.hasPrefix("TLS failure ("), "\(message)")
                #expect(message.contains("certificate"), "\(message)")

                let trusted = try await deliver(to: receiver.url, tls: .init(caFile: certificates.caFile))
                #expect(trusted.isDelivered, "\(trusted.error?.message ?? "")")
                #expect(try await receiver.nextVerdict().headers["ce-type"] == "t")
            }
        }
    }

    @Test func theHostNameIsVerified() async throws {
        try await withCertificates { certificates in
            try await WireReceiver.with(arguments: serverArguments(certificates)) { receiver in
                // The certificate names 127.0.0.1 only.
                let url = receiver.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
                let result = try await deliver(to: url, tls: .init(caFile: certificates.caFile))
                #expect(result.outcome == .retryable(retryAfter: nil))
                #expect(result.error?.message.hasPrefix("TLS failure (") == true, "\(result.error?.message ?? "")")
            }
        }
    }

    @Test func aClientCertificateIsPresentedWhenConfigured() async throws {
        try await withCertificates { certificates in
            let arguments = serverArguments(certificates) + ["--client-ca", certificates.caFile]
            try await WireReceiver.with(arguments: arguments) { receiver in
                let without = try await deliver(to: receiver.url, tls: .init(caFile: certificates.caFile))
                #expect(without.outcome == .retryable(retryAfter: nil), "\(without)")

                let with = try await deliver(
                    to: receiver.url,
                    tls: .init(
                        caFile: certificates.caFile,
                        certificateFile: certificates.clientCertificate,
                        keyFile: certificates.clientKey
                    )
                )
                #expect(with.isDelivered, "\(with.error?.message ?? "")")
            }
        }
    }

    @Test func theMinimumVersionIsEnforced() async throws {
        try await withCertificates { certificates in
            try await WireReceiver.with(arguments: serverArguments(certificates) + ["--max-tls", "1.2"]) { receiver in
                let modern = try await deliver(
                    to: receiver.url,
                    tls: .init(caFile: certificates.caFile, minimumVersion: .v1_3)
                )
                #expect(modern.outcome == .retryable(retryAfter: nil))
                #expect(modern.error?.message.hasPrefix("TLS failure (") == true, "\(modern.error?.message ?? "")")

                let tls12 = try await deliver(to: receiver.url, tls: .init(caFile: certificates.caFile))
                #expect(tls12.isDelivered, "\(tls12.error?.message ?? "")")
            }
        }
    }

    @Test func unreadableTLSFilesAreRefusedAtStartNamingTheKey() async throws {
        let url = "https://127.0.0.1:1/events"
        func error(_ tls: BrokerConfiguration.TLS) async -> String? {
            await WireTestSupport.clientError(BrokerConfiguration(url: url, tls: tls))
        }
        #expect(
            await error(.init(caFile: "/nonexistent/ca.pem"))
                == "broker \(url): tls.caFile: cannot open file /nonexistent/ca.pem: No such file or directory"
        )
        #expect(
            await error(.init(certificateFile: "/nonexistent/client.pem"))
                == "broker \(url): tls.certificateFile: cannot open file /nonexistent/client.pem: No such file or directory"
        )
        #expect(
            await error(.init(keyFile: "/nonexistent/client.key"))
                == "broker \(url): tls.keyFile is set without tls.certificateFile"
        )
    }

    @Test func versionsParse() {
        #expect(BrokerConfiguration.TLS.Version("1.2") == .v1_2)
        #expect(BrokerConfiguration.TLS.Version("TLSv1.3") == .v1_3)
        #expect(BrokerConfiguration.TLS.Version(" tls1.3 ") == .v1_3)
        #expect(BrokerConfiguration.TLS.Version("1.1") == nil)
        #expect(BrokerConfiguration.TLS.Version("1.0") == nil)
        #expect(BrokerConfiguration.TLS.Version.v1_2 < .v1_3)
        #expect(BrokerConfiguration.TLS().minimumVersion == .v1_2)
    }
}
