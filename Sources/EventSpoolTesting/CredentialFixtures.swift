/// Credentials and broken broker URLs that the security tests of every target share: values that need
/// percent-encoding in a URL and whose `Basic` base64 holds `+`, `/` and `=`, the forms a redaction most
/// easily misses.
public enum CredentialFixtures {
    /// The user name of ``withUserinfo(_:)``, decoded.
    public static let user = "svc.orders@acme"
    /// The password of ``withUserinfo(_:)``, decoded.
    public static let password = "qh+b?/>c9:~0"
    /// ``user`` as it is written in a URL.
    public static let userInURL = "svc.orders%40acme"
    /// ``password`` as it is written in a URL.
    public static let passwordInURL = "qh%2Bb%3F%2F%3Ec9%3A~0"
    /// `base64(user:password)`, which libcurl sends as `Authorization: Basic …` for a URL's userinfo.
    public static let basic = "c3ZjLm9yZGVyc0BhY21lOnFoK2I/Lz5jOTp+MA=="

    /// Every form of the URL's credentials, for a ``SecretLeakCheck``.
    public static let userinfoForms = [user, password, userInURL, passwordInURL, basic]

    /// `url` (`http://host…`) with ``userInURL`` and ``passwordInURL`` as its userinfo.
    public static func withUserinfo(_ url: String) -> String {
        url.replacing("://", with: "://\(userInURL):\(passwordInURL)@", maxReplacements: 1)
    }

    /// Broker URLs that cannot be used, each holding the credentials ``malformedURLSecrets``: a wrong
    /// scheme, no scheme, a password with an unencoded `/`, `#` or space, no host, a bad port, a bad IPv6
    /// address, a line break.
    public static let malformedURLs = [
        "htps://ops-admin:Hunter2-Secret@broker.example/events",
        "https//ops-admin:Hunter2-Secret@broker.example/events",
        "ops-admin:Hunter2-Secret@broker.example/events",
        "https://ops-admin:Hunter2/Secret@broker.example/events",
        "https://ops-admin:Hunter2#Secret@broker.example/events",
        "https://ops-admin:12#Secret@broker.example/events",
        "https://ops-admin:Hunter2 Secret@broker.example/events",
        "https://ops-admin:Hunter2-Secret@/events",
        "https://ops-admin:Hunter2-Secret@broker.example:99999/events",
        "https://ops-admin:Hunter2-Secret@[::1/events",
        "https://ops-admin:Hunter2-Secret@broker.example/events\nInjected: 1",
    ]

    /// The credentials in ``malformedURLs``.
    public static let malformedURLSecrets = [
        "ops-admin", "Hunter2-Secret", "Hunter2/Secret", "Hunter2#Secret", "Hunter2 Secret", "12#Secret",
    ]
}
