import EventSpool
import EventSpoolSystem

extension ConfigurationFile {
    /// Warnings about who besides its owner may change the file, or read the secrets it holds, naming the
    /// file and its mode; empty when nobody may. (A group this process is in does not count: see
    /// `FileExposure`.)
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
        let secrets = keys.filter { ConfigurationKeys.secret.contains($0) && !$0.hasSuffix("File") }.sorted()
        if let readers = exposure.readers, !secrets.isEmpty {
            warnings.append(
                "the configuration file \(path) holds secrets (\(secrets.joined(separator: ", "))) and is readable "
                    + "by \(readers) (mode \(exposure.modeText)); let only its owner read it (chmod 600), or move "
                    + "them to secret files (auth.bearerTokenFile, auth.passwordFile, signing.secretsFile)"
            )
        }
        return warnings
    }
}
