import MissionModel
import MissionService
import Foundation

/// A small hand-written parser for `mission COMMAND [ARGS] [--option VALUE | --option=VALUE | --flag]`.
/// `--` ends options; `-h` / `--help` anywhere asks for the command's help.
public struct ArgumentParser: Sendable {
    public struct Option: Sendable, Hashable {
        public var name: String
        public var valueName: String?
        public var repeatable: Bool
        public var help: String

        public static func flag(_ name: String, _ help: String) -> Option {
            Option(name: name, valueName: nil, repeatable: false, help: help)
        }

        public static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) -> Option {
            Option(name: name, valueName: valueName, repeatable: repeatable, help: help)
        }

        var takesValue: Bool { valueName != nil }
    }

    public struct Command: Sendable {
        public var name: String
        public var summary: String
        /// Positional arguments: name and whether it is required, in order.
        public var arguments: [(name: String, required: Bool)]
        public var options: [Option]
        public var details: String

        public init(name: String, summary: String, arguments: [(name: String, required: Bool)] = [], options: [Option], details: String = "") {
            self.name = name
            self.summary = summary
            self.arguments = arguments
            self.options = options
            self.details = details
        }
    }

    public struct Parsed: Sendable, Equatable {
        public var command: String
        public var arguments: [String] = []
        public var values: [String: [String]] = [:]
        public var flags: Set<String> = []
        public var wantsHelp = false

        public func value(_ name: String) -> String? { values[name]?.last }
        public func all(_ name: String) -> [String] { values[name] ?? [] }
        public func has(_ name: String) -> Bool { flags.contains(name) }

        public func int(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(ArgumentError) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                throw .invalidValue(command: command, option: name, value: text, expected: range == Int.min...Int.max ? "an integer" : "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        /// One of an enum's raw values, e.g. `--status queued`.
        public func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, of _: Choice.Type) throws(ArgumentError) -> Choice?
            where Choice.RawValue == String {
            guard let text = value(name) else { return nil }
            guard let choice = Choice(rawValue: text) else {
                throw .invalidValue(command: command, option: name, value: text,
                                    expected: "one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return choice
        }

        public func double(_ name: String, positive: Bool = true) throws(ArgumentError) -> Double? {
            guard let text = value(name) else { return nil }
            guard let number = Double(text), number.isFinite, !positive || number > 0 else {
                throw .invalidValue(command: command, option: name, value: text, expected: positive ? "a positive number" : "a number")
            }
            return number
        }
    }

    public let commands: [Command]

    public init(commands: [Command]) {
        self.commands = commands
    }

    public func command(named name: String) -> Command? { commands.first { $0.name == name } }

    public func parse(_ arguments: [String]) throws(ArgumentError) -> Parsed {
        guard let name = arguments.first else { throw .missingCommand }
        if name == "-h" || name == "--help" || name == "help" {
            return Parsed(command: arguments.count > 1 ? arguments[1] : "", wantsHelp: true)
        }
        guard let command = command(named: name) else { throw .unknownCommand(name) }
        var parsed = Parsed(command: name)
        var index = 1
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if !optionsEnded, argument == "--" {
                optionsEnded = true
                continue
            }
            if !optionsEnded, argument == "-h" || argument == "--help" {
                parsed.wantsHelp = true
                continue
            }
            if !optionsEnded, argument.hasPrefix("-"), argument.count > 1, Double(argument) == nil {
                var optionName = argument
                var inlineValue: String?
                if let equals = argument.firstIndex(of: "=") {
                    optionName = String(argument[..<equals])
                    inlineValue = String(argument[argument.index(after: equals)...])
                }
                guard let option = command.options.first(where: { $0.name == optionName }) else {
                    throw .unknownOption(command: name, option: optionName)
                }
                if option.takesValue {
                    let value: String
                    if let inlineValue {
                        value = inlineValue
                    } else {
                        guard index < arguments.count else { throw .missingValue(command: name, option: optionName) }
                        value = arguments[index]
                        index += 1
                    }
                    if !option.repeatable, parsed.values[optionName] != nil {
                        throw .repeatedOption(command: name, option: optionName)
                    }
                    parsed.values[optionName, default: []].append(value)
                } else {
                    guard inlineValue == nil else { throw .unexpectedValue(command: name, option: optionName) }
                    parsed.flags.insert(optionName)
                }
                continue
            }
            guard parsed.arguments.count < command.arguments.count else { throw .unexpectedArgument(command: name, argument: argument) }
            parsed.arguments.append(argument)
        }
        if !parsed.wantsHelp, let missing = command.arguments.dropFirst(parsed.arguments.count).first(where: \.required) {
            throw .missingArgument(command: name, argument: missing.name)
        }
        return parsed
    }

    // MARK: Help

    public func usage(of command: Command) -> String {
        var line = "mission \(command.name)"
        for argument in command.arguments { line += argument.required ? " \(argument.name)" : " [\(argument.name)]" }
        if !command.options.isEmpty { line += " [options]" }
        return line
    }

    public func help(for command: Command) -> String {
        var text = "\(command.summary)\n\nUsage: \(usage(of: command))\n"
        if !command.details.isEmpty { text += "\n\(command.details)\n" }
        let options = command.options + [.flag("--help", "Show this help.")]
        text += "\nOptions:\n"
        let labels = options.map { $0.takesValue ? "\($0.name) \($0.valueName!)" : $0.name }
        let width = labels.map(\.count).max() ?? 0
        for (label, option) in zip(labels, options) {
            text += "  " + label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + option.help
            if option.repeatable { text += " (repeatable)" }
            text += "\n"
        }
        return text
    }

    public func overview() -> String {
        var text = "mission: durable agent missions from chat messages: queued, run, logged, watched.\n\nUsage: mission COMMAND [options]\n\nCommands:\n"
        let width = commands.map(\.name.count).max() ?? 0
        for command in commands {
            text += "  " + command.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += "\nRun `mission COMMAND --help` for a command's options.\n"
        return text
    }
}
