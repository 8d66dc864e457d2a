import Configuration
import EventSpool
import Foundation
import Logging
import SystemPackage

/// The configuration of one spoolctl run, from its four sources in order of precedence: command-line
/// options, environment variables `EVENTSPOOL_*`, the `--config` JSON file, and the defaults.
struct LoadedConfiguration {
    /// `spool.directory` and `broker.url`, which have options of their own.
    static let spoolDirectoryKey = ConfigurationSchema.path(.spool, SpoolConfiguration.Key.directory)
    static let brokerURLKey = ConfigurationSchema.path(.broker, BrokerConfiguration.Key.url)

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
        if !global.quiet {
            warnAboutUnknownVariables(in: environment)
        }
        var options: [String: String] = [:]
        if let spoolDir = global.spoolDir { options[spoolDirectoryKey] = spoolDir }
        if let brokerURL = global.brokerURL { options[brokerURLKey] = brokerURL }

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
                secretsSpecifier: .specific(Set(secretKeys.map(\.environmentVariable)))
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
                            secretsSpecifier: .specific(Set(secretKeys.map(\.path)))
                        ),
                        filePath: FilePath(path)
                    )
                )
            } catch {
                throw CommandFailure(.configuration, "cannot read the configuration file \(path): \(error)")
            }
        }
        // The keys whose schema entry names a value for spoolctl when the readers require one (`spool.directory`).
        var fallbacks: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in ConfigurationSchema.keys {
            if case .requiredText(_, let fallback?) = key.definition.value {
                fallbacks[AbsoluteConfigKey(ConfigKey(key.path))] = ConfigValue(.string(fallback), isSecret: false)
            }
        }
        providers.append(InMemoryProvider(name: "defaults", values: fallbacks))
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
                return try SpoolConfiguration(
                    config: reader.scoped(to: ConfigKey(ConfigurationSchema.Scope.spool.name))
                )
            } catch {
                throw error.prefixed(with: ConfigurationSchema.Scope.spool.name)
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
                let variable = ConfigurationSchema.environmentVariable(for: error.key)
                var ways = ["'\(error.key)' in the --config file", "the environment variable \(variable)"]
                if let option = Self.optionNames[error.key] { ways.insert(option, at: 0) }
                message += "; set it with " + ways.joined(separator: ", or ")
            }
            throw CommandFailure(.configuration, message)
        }
    }

    private static let optionNames = [spoolDirectoryKey: "--spool-dir", brokerURLKey: "--broker-url"]

    /// The keys whose values are secret.
    private static let secretKeys = ConfigurationSchema.keys.filter(\.definition.isSecret)

    /// Variables of the build and test scripts, not of spoolctl: no warning.
    private static let buildVariables: Set<String> = ["EVENTSPOOL_WERROR", "EVENTSPOOL_PYTHON"]

    /// Warns on standard error about each `EVENTSPOOL_*` variable that names no key: a typo there would
    /// otherwise be ignored without a word, and the default used.
    private static func warnAboutUnknownVariables(in environment: [String: String]) {
        let known = Set(ConfigurationSchema.keys.map(\.environmentVariable))
        for name in environment.keys.sorted() {
            let upper = name.uppercased()
            guard upper.hasPrefix("EVENTSPOOL_"), !known.contains(upper), !buildVariables.contains(upper) else {
                continue
            }
            var message = "spoolctl: warning: ignoring the unknown environment variable \(name)"
            if let suggestion = ConfigurationSchema.suggestion(forVariable: upper) {
                message += " (did you mean \(suggestion)?)"
            }
            Output.error(message)
        }
    }

    /// Makes a publisher or a sweeper with `make` — checking first that this user may write into the spool —
    /// and turns what it throws into a failure that names the configuration key or the spool.
    static func making<Value>(
        broker: BrokerConfiguration,
        spool: SpoolConfiguration,
        logger: Logger,
        _ make: () throws -> Value
    ) async throws(CommandFailure) -> Value {
        try SpoolAccess.checkOwner(of: spool)
        do {
            return try make()
        } catch let error as BrokerClientError {
            throw await failure(error, configuration: broker, logger: logger)
        } catch {
            throw CommandFailure(
                .cannotOpenSpool,
                "cannot open the spool \(SpoolAccess.location(of: spool)): \(error)"
            )
        }
    }

    /// A broker client that cannot be made from `configuration`, as a configuration failure that names the
    /// key at fault: `broker.tls.keyFile`, `secondaryBroker.url`, …
    private static func failure(
        _ error: BrokerClientError,
        configuration: BrokerConfiguration,
        logger: Logger
    ) async -> CommandFailure {
        // Which broker: the primary one's client is made alone; when that works, the secondary one failed.
        var scope = ConfigurationSchema.Scope.broker.name
        if let client = try? BrokerClient(configuration: configuration, logger: logger) {
            await client.shutdown()
            scope = ConfigurationSchema.Scope.secondaryBroker.name
        }
        // The client's messages start with the key they are about, relative to the broker.
        let aliases = ["header": "headers"]
        let broker = ConfigurationSchema.Scope.broker
        let names =
            broker.keys(under: "").map { String($0.path.dropFirst(broker.name.count + 1)) } + Array(aliases.keys)
        let named = names.filter { error.message.hasPrefix($0 + ":") || error.message.hasPrefix($0 + " ") }
            .max { $0.count < $1.count }
        let key = named.map { aliases[$0] ?? $0 } ?? BrokerConfiguration.Key.url.rawValue
        return CommandFailure(.configuration, "configuration key '\(scope).\(key)': \(error)")
    }

    /// Where the value of `key` came from, in the order the reader consults the sources.
    private func source(of key: String) -> String? {
        if options[key] != nil, let option = Self.optionNames[key] {
            return "the option \(option)"
        }
        let variable = ConfigurationSchema.environmentVariable(for: key)
        if environment.keys.contains(where: { $0.uppercased() == variable }) {
            return "the environment variable \(variable)"
        }
        if let file, file.keys.contains(key) {
            return file.path
        }
        return nil
    }
}
