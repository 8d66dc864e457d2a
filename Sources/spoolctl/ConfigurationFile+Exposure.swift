import EventSpool
import EventSpoolSystem

extension ConfigurationFile {
    /// Warnings about who besides its owner may change the file, or read the secrets it holds, naming the
    /// file and its mode; empty when nobody may. (A group this process is in does not count: see
    /// `FileExposure`.)
    ///
    /// Reading is warned about only when the file gives a secret key a value and others may read it: a file's
    /// group is how an install lets the service read it (`/etc/eventspool/eventspool.json` is 0640
    /// root:eventspool), so `chmod 600` would be advice that stops the service.
    func exposureWarnings() -> [String] {
        guard let exposure = FileExposure(path: path) else { return [] }
        var warnings: [String] = []
        if let writers = exposure.writers {
            warnings.append(
                "the configuration file \(path) is writable by \(writers) (mode \(exposure.modeText)): they can "
                    + "change where events go and which credentials are sent; let only its owner write it (chmod go-w)"
            )
        }
        // Values, not the paths of secret files (`auth.bearerTokenFile`).
        let secrets = secretValues.filter { !$0.hasSuffix("File") }.sorted()
        if exposure.othersMayRead && !secrets.isEmpty {
            warnings.append(
                "the configuration file \(path) holds secrets (\(secrets.joined(separator: ", "))) and is readable "
                    + "by others (mode \(exposure.modeText)); let only its owner and group read it (chmod o-r), or "
                    + "move them to secret files (auth.bearerTokenFile, auth.passwordFile, signing.secretsFile)"
            )
        }
        return warnings
    }
}
