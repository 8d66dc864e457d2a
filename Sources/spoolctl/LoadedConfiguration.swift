import Configuration
import EventSpool
import Foundation
import Logging
import SystemPackage

/// The configuration of one spoolctl run, from its four sources in order of precedence: command-line
/// options, environment variables `EVENTSPOOL_*`, the `--config` JSON file, and the defaults.
struct LoadedConfiguration {
    /// The spool directory when no source names one.
    static let defaultSpoolDirectory = "/var/spool/eventspool"

    let reader: ConfigReader
    private let options: [String: String]
    private let environment: [String: String]
    private let file: ConfigurationFile?

    /// Reads (and checks) the sources; nothing touches the spool yet.
    ///
    /// - Parameter logger: Where a warning about a configuration file others may change or read goes.
    /// - Throws: ``CommandFailure`` with status `configuration` (78) when the file cannot be read, is not
    ///   valid JSON, or has an unknown key or a value of the wrong type.
    static func load(
        _ global: GlobalOptions,
        logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(CommandFailure) -> LoadedConfiguration {
        var options: [String: String] = [:]
        if let spoolDir = global.spoolDir { options["spool.directory"] = spoolDir }
        if let brokerURL = global.brokerURL { options["broker.url"] = brokerURL }

        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "command line",
                values: Dictionary(
                    uniqueKeysWithValues: options.map {
                        (AbsoluteConfigKey(ConfigKey($0.key)), ConfigValue(.string($0.value), isSecret: false))
                    }
                )
            ),
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(
                    Set(ConfigurationKeys.secret.map(ConfigurationKeys.environmentVariable(for:)))
                )
            ).prefixKeys(with: "eventspool"),
        ]
        var file: ConfigurationFile?
        if let path = global.configFile {
            let checked = try ConfigurationFile(path: path)
            file = checked
            for warning in checked.exposureWarnings() {
                logger.warning("\(warning)")
            }
            do {
                providers.append(
                    try await FileProvider<JSONSnapshot>(
                        parsingOptions: JSONSnapshot.ParsingOptions(
                            secretsSpecifier: .specific(ConfigurationKeys.secret)
                        ),
                        filePath: FilePath(path)
                    )
                )
            } catch {
                throw CommandFailure(.configuration, "cannot read the configuration file \(path): \(error)")
            }
        }
        providers.append(
            InMemoryProvider(
                name: "defaults",
                values: [
                    AbsoluteConfigKey(ConfigKey("spool.directory")): ConfigValue(
                        .string(defaultSpoolDirectory),
                        isSecret: false
                    )
                ]
            )
        )
        return LoadedConfiguration(
            reader: ConfigReader(providers: providers),
            options: options,
            environment: environment,
            file: file
        )
    }

    /// The spool's configuration (all a command that only reads the spool needs).
    func spool() throws(CommandFailure) -> SpoolConfiguration {
        try read { reader throws(ConfigurationError) in
            do throws(ConfigurationError) {
                return try SpoolConfiguration(config: reader.scoped(to: "spool"))
            } catch {
                throw error.prefixed(with: "spool")
            }
        }
    }

    /// A publisher's configuration; needs `broker.url`.
    func publisher() throws(CommandFailure) -> Publisher.Configuration {
        try read { reader throws(ConfigurationError) in try Publisher.Configuration(config: reader) }
    }

    /// A sweeper's configuration; needs `broker.url`.
    func sweeper() throws(CommandFailure) -> Sweeper.Configuration {
        try read { reader throws(ConfigurationError) in try Sweeper.Configuration(config: reader) }
    }

    private func read<Value>(
        _ body: (ConfigReader) throws(ConfigurationError) -> Value
    ) throws(CommandFailure) -> Value {
        do {
            return try body(reader)
        } catch {
            var attributed = error
            attributed.source = source(of: error.key)
            var message = attributed.description
            if attributed.found == nil && attributed.source == nil {
                // Missing: say every way to set it.
                let variable = ConfigurationKeys.environmentVariable(for: error.key)
                var ways = ["'\(error.key)' in the --config file", "the environment variable \(variable)"]
                if let option = Self.optionNames[error.key] { ways.insert(option, at: 0) }
                message += "; set it with " + ways.joined(separator: ", or ")
            }
            throw CommandFailure(.configuration, message)
        }
    }

    private static let optionNames = ["spool.directory": "--spool-dir", "broker.url": "--broker-url"]

    /// Where the value of `key` came from, in the order the reader consults the sources.
    private func source(of key: String) -> String? {
        if options[key] != nil, let option = Self.optionNames[key] {
            return "the option \(option)"
        }
        let variable = ConfigurationKeys.environmentVariable(for: key)
        if environment.keys.contains(where: { $0.uppercased() == variable }) {
            return "the environment variable \(variable)"
        }
        if let file, file.keys.contains(key) {
            return file.path
        }
        return nil
    }
}
