import MissionModel
import MissionTestSupport
import Testing
import MissionService
@testable import MissionCLI

@Suite struct ArgumentParserTests {
    let parser = MissionCommands.parser

    static let accepted: [([String], ArgumentParser.Parsed)] = [
        (["run", "echo hi"], .init(command: "run", arguments: ["echo hi"])),
        (["run", "x", "--type", "echo", "--max-pages=3"], .init(command: "run", arguments: ["x"], values: ["--type": ["echo"], "--max-pages": ["3"]])),
        (["run", "--allowed-domain", "a.com", "x", "--allowed-domain", "b.com"],
         .init(command: "run", arguments: ["x"], values: ["--allowed-domain": ["a.com", "b.com"]])),
        (["run", "--", "--not-an-option"], .init(command: "run", arguments: ["--not-an-option"])),
        (["run", "-5"], .init(command: "run", arguments: ["-5"])),
        (["tail", "signals", "--follow", "--json"], .init(command: "tail", arguments: ["signals"], flags: ["--follow", "--json"])),
        (["tail"], .init(command: "tail")),
        (["whiteboard", "m-1", "--at-seq", "4"], .init(command: "whiteboard", arguments: ["m-1"], values: ["--at-seq": ["4"]])),
        (["verify", "--repair"], .init(command: "verify", flags: ["--repair"])),
        (["run", "--help"], .init(command: "run", wantsHelp: true)),
        (["whiteboard", "-h"], .init(command: "whiteboard", wantsHelp: true)),
        (["--help"], .init(command: "", wantsHelp: true)),
        (["help", "list"], .init(command: "list", wantsHelp: true)),
        (["list", "--status", "queued", "--data", "/tmp/x"], .init(command: "list", values: ["--status": ["queued"], "--data": ["/tmp/x"]])),
    ]

    @Test(arguments: accepted)
    func parses(arguments: [String], expected: ArgumentParser.Parsed) throws {
        #expect(try parser.parse(arguments) == expected)
    }

    static let rejected: [([String], ArgumentError)] = [
        ([], .missingCommand),
        (["launch"], .unknownCommand("launch")),
        (["run"], .missingArgument(command: "run", argument: "OBJECTIVE")),
        (["run", "x", "--bogus"], .unknownOption(command: "run", option: "--bogus")),
        (["run", "x", "--type"], .missingValue(command: "run", option: "--type")),
        (["run", "x", "--type", "a", "--type", "b"], .repeatedOption(command: "run", option: "--type")),
        (["run", "x", "y"], .unexpectedArgument(command: "run", argument: "y")),
        (["tail", "--follow=yes"], .unexpectedValue(command: "tail", option: "--follow")),
        (["whiteboard"], .missingArgument(command: "whiteboard", argument: "ID")),
        (["list", "extra"], .unexpectedArgument(command: "list", argument: "extra")),
    ]

    @Test(arguments: rejected)
    func rejects(arguments: [String], expected: ArgumentError) {
        #expect(throws: expected) { try parser.parse(arguments) }
    }

    @Test(arguments: [("3", 3 as Int?), ("0", nil), ("x", nil), ("1.5", nil)])
    func typed_values_are_checked(text: String, expected: Int?) throws {
        let parsed = try parser.parse(["run", "x", "--max-pages", text])
        if let expected {
            #expect(try parsed.int("--max-pages", in: 1...100) == expected)
        } else {
            #expect(throws: ArgumentError.self) { try parsed.int("--max-pages", in: 1...100) }
        }
    }

    @Test func run_picks_fetch_only_for_a_real_url_and_limits_it_to_its_hosts() throws {
        let plain = try RunCommand.makeRequest(parser.parse(["run", "see http://?no-host and (https://)"]))
        #expect(plain.objective.type == "echo")
        let fetch = try RunCommand.makeRequest(parser.parse(["run", "compare https://A.test/x and https://a.test/y https://b.test"]))
        #expect(fetch.objective.type == "fetch")
        #expect(fetch.constraints.allowedDomains == ["a.test", "b.test"])
        let chosen = try RunCommand.makeRequest(parser.parse(["run", "https://a.test", "--allowed-domain", "c.test"]))
        #expect(chosen.constraints.allowedDomains == ["c.test"])
    }

    @Test func every_command_has_help_that_lists_its_options() {
        for command in parser.commands {
            let help = parser.help(for: command)
            #expect(help.contains("Usage: mission \(command.name)"))
            for option in command.options { #expect(help.contains(option.name)) }
            #expect(help.contains("--help"))
        }
        #expect(parser.overview().contains("verify"))
    }
}

extension ArgumentError: CustomTestStringConvertible {
    public var testDescription: String { description }
}
