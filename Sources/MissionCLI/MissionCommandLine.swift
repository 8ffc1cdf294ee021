import MissionModel
import MissionService
import MissionStore
/// The `mission` executable's entry: parse, dispatch, map errors to exit statuses.
public enum MissionCommandLine {
    public static func main(_ arguments: [String], environment: [String: String]) async -> Int32 {
        Console.configure()
        if arguments == ["--version"] || arguments == ["version"] {
            Console.out("mission \(MissionCommands.version)")
            return ExitStatus.success
        }
        let parser = MissionCommands.parser
        let parsed: ArgumentParser.Parsed
        do {
            parsed = try parser.parse(arguments)
        } catch {
            return usageError(error)
        }
        if parsed.wantsHelp {
            if let command = parser.command(named: parsed.command) {
                Console.out(parser.help(for: command))
            } else {
                Console.out(parser.overview())
            }
            return ExitStatus.success
        }
        let context = CommandContext(parsed: parsed, environment: environment)
        do {
            switch parsed.command {
            case "serve": return try await ServeCommand.execute(context)
            case "run": return try await RunCommand.execute(context)
            case "chat": return try await ChatCommand.execute(context)
            case "whiteboard": return try await WhiteboardCommand.execute(context)
            case "list": return try await ListCommand.execute(context)
            case "tail": return try await TailCommand.execute(context)
            case "cancel": return try await CancelCommand.execute(context)
            case "verify": return try await VerifyCommand.execute(context)
            case "repair": return try RepairCommand.execute(context)
            case "compact": return try await CompactCommand.execute(context)
            case "migrate": return try await MigrateCommand.execute(context)
            case "export": return try await ExportCommand.execute(context)
            case "import": return try await ImportCommand.execute(context)
            default: return usageError(ArgumentError.unknownCommand(parsed.command))
            }
        } catch let error as ArgumentError {
            return usageError(error)
        } catch {
            Console.err("mission \(parsed.command): \(error)")
            return ExitStatus.failure
        }
    }

    static func usageError(_ error: ArgumentError) -> Int32 {
        let parser = MissionCommands.parser
        var text = "mission: \(error)\n"
        if let name = error.command, let command = parser.command(named: name) {
            text += "usage: \(parser.usage(of: command))\nRun `mission \(name) --help` for its options."
        } else {
            text += "Commands: \(parser.commands.map(\.name).joined(separator: ", ")). Run `mission --help` for more."
        }
        Console.err(text)
        return ExitStatus.usage
    }
}
