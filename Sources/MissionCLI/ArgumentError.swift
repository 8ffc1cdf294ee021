import MissionService
import MissionModel
public enum ArgumentError: Error, Equatable, CustomStringConvertible {
    case missingCommand
    case unknownCommand(String)
    case unknownOption(command: String, option: String)
    case missingValue(command: String, option: String)
    case unexpectedValue(command: String, option: String)
    case repeatedOption(command: String, option: String)
    case missingArgument(command: String, argument: String)
    case unexpectedArgument(command: String, argument: String)
    case invalidValue(command: String, option: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .missingCommand: return "no command given"
        case .unknownCommand(let name): return "unknown command '\(name)'"
        case .unknownOption(let command, let option): return "\(command): unknown option '\(option)'"
        case .missingValue(let command, let option): return "\(command): option \(option) needs a value"
        case .unexpectedValue(let command, let option): return "\(command): option \(option) takes no value"
        case .repeatedOption(let command, let option): return "\(command): option \(option) given twice"
        case .missingArgument(let command, let argument): return "\(command): missing \(argument)"
        case .unexpectedArgument(let command, let argument): return "\(command): unexpected argument '\(argument)'"
        case .invalidValue(let command, let option, let value, let expected): return "\(command): \(option) '\(value)' is not \(expected)"
        }
    }

    /// The command whose usage to show under the error, if any.
    var command: String? {
        switch self {
        case .missingCommand, .unknownCommand: return nil
        case .unknownOption(let c, _), .missingValue(let c, _), .unexpectedValue(let c, _), .repeatedOption(let c, _),
             .missingArgument(let c, _), .unexpectedArgument(let c, _), .invalidValue(let c, _, _, _): return c
        }
    }
}
