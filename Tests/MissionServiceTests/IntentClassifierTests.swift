import MissionModel
import Testing
@testable import MissionService

@Suite struct IntentClassifierTests {
    enum Expect: Sendable {
        case mission(String, String, [String] = [])
        case status(String?)
        case cancel(String?)
        case list(MissionStatus?)
        case reply
    }

    static let id = "m-0123456789abcdef"
    static let uuid = "5b0e7c7e-3f7a-4c43-9a55-1c2f6c8f0a01"
    static let longText = String(repeating: "lorem ipsum ", count: 850)  // ~10 KB

    static let cases: [(String, Intent.Name, Expect)] = [
        // echo
        ("echo hello", .echo, .mission("echo", "hello")),
        ("echo Hello World", .echo, .mission("echo", "Hello World")),
        ("ECHO shout", .echo, .mission("echo", "shout")),
        ("   echo    spaced   out  ", .echo, .mission("echo", "spaced   out")),
        ("Echo 你好 🌍", .echo, .mission("echo", "你好 🌍")),
        ("echo\u{00A0}non-breaking", .echo, .mission("echo", "non-breaking")),
        ("say something nice", .echo, .mission("echo", "something nice")),
        ("repeat after me", .echo, .mission("echo", "after me")),
        ("echo", .unclear, .reply),
        ("echo    ", .unclear, .reply),
        ("echo status of m-0123456789abcdef", .echo, .mission("echo", "status of m-0123456789abcdef")),
        ("echo https://example.com", .echo, .mission("echo", "https://example.com")),
        ("echo " + longText, .echo, .mission("echo", longText.trimmingCharacters(in: .whitespaces))),
        // URLs → fetch on the host
        ("https://example.com", .fetch, .mission("fetch", "https://example.com", ["example.com"])),
        ("summarise https://example.com/docs", .fetch, .mission("fetch", "summarise https://example.com/docs", ["example.com"])),
        ("Summarize https://Docs.Python.org/3/ please", .fetch, .mission("fetch", "Summarize https://Docs.Python.org/3/ please", ["docs.python.org"])),
        ("research pricing on https://shop.example.com/prices", .fetch, .mission("fetch", "research pricing on https://shop.example.com/prices", ["shop.example.com"])),
        ("compare https://a.example and https://b.example", .fetch, .mission("fetch", "compare https://a.example and https://b.example", ["a.example", "b.example"])),
        ("read http://127.0.0.1:8000/page.", .fetch, .mission("fetch", "read http://127.0.0.1:8000/page.", ["127.0.0.1"])),
        ("look at (https://example.org/x)", .fetch, .mission("fetch", "look at (https://example.org/x)", ["example.org"])),
        ("https://a.example/1 https://a.example/2", .fetch, .mission("fetch", "https://a.example/1 https://a.example/2", ["a.example"])),
        ("what does https://example.com say?", .fetch, .mission("fetch", "what does https://example.com say?", ["example.com"])),
        ("ftp://example.com/file", .unclear, .reply),
        ("https://", .unclear, .reply),
        ("example.com", .unclear, .reply),
        ("don't open https://evil.example", .unclear, .reply),
        ("do not fetch https://evil.example", .unclear, .reply),
        ("never visit https://evil.example", .unclear, .reply),
        ("run https://example.com", .fetch, .mission("fetch", "run https://example.com", ["example.com"])),
        // run
        ("run ls -la /tmp", .runCommand, .mission("command", "ls -la /tmp")),
        ("RUN echo hi", .runCommand, .mission("command", "echo hi")),
        ("execute python3 script.py --fast", .runCommand, .mission("command", "python3 script.py --fast")),
        ("run", .unclear, .reply),
        // status
        ("status of \(id)", .missionStatus, .status(id)),
        ("status \(id)", .missionStatus, .status(id)),
        ("Status  \(id)?", .missionStatus, .status(id)),
        ("STATUS OF \(id.uppercased())", .missionStatus, .status(id.uppercased())),
        ("status for mission \(id)", .missionStatus, .status(id)),
        ("how is \(id) doing", .missionStatus, .status(id)),
        ("how's \(id) going?", .missionStatus, .status(id)),
        ("is \(id) done?", .missionStatus, .status(id)),
        ("what is the status of \(id)", .missionStatus, .status(id)),
        ("what's the status of \(uuid)?", .missionStatus, .status(uuid)),
        ("status of the mission for https://example.com", .missionStatus, .status(nil)),
        ("what's the status of my https://example.com job?", .missionStatus, .status(nil)),
        ("how is https://example.com/\(id) doing", .missionStatus, .status(nil)),
        ("progress \(id)", .missionStatus, .status(id)),
        ("status", .missionStatus, .status(nil)),
        // cancel
        ("cancel \(id)", .cancelMission, .cancel(id)),
        ("Cancel \(id).", .cancelMission, .cancel(id)),
        ("stop \(id)", .cancelMission, .cancel(id)),
        ("abort mission \(id)", .cancelMission, .cancel(id)),
        ("cancel m-doesnotexist00", .cancelMission, .cancel("m-doesnotexist00")),
        ("cancel", .cancelMission, .cancel(nil)),
        ("cancel it", .cancelMission, .cancel(nil)),
        ("please cancel \(id)", .cancelMission, .cancel(id)),
        ("can you stop \(uuid)", .cancelMission, .cancel(uuid)),
        // list
        ("list missions", .listMissions, .list(nil)),
        ("List   Missions", .listMissions, .list(nil)),
        ("list", .listMissions, .list(nil)),
        ("show missions", .listMissions, .list(nil)),
        ("list failed missions", .listMissions, .list(.failed)),
        ("list queued", .listMissions, .list(.queued)),
        ("what's running", .listMissions, .list(.active)),
        ("What is running?", .listMissions, .list(.active)),
        ("what's queued", .listMissions, .list(.queued)),
        ("list the groceries", .unclear, .reply),
        // greetings and help
        ("hi", .greeting, .reply),
        ("Hello!", .greeting, .reply),
        ("hey there", .greeting, .reply),
        ("good morning", .greeting, .reply),
        ("help", .help, .reply),
        ("HELP", .help, .reply),
        ("?", .help, .reply),
        ("what can you do?", .help, .reply),
        // unsupported, ambiguous, empty, huge
        ("", .empty, .reply),
        ("    \n\t  ", .empty, .reply),
        ("book me a flight to Paris", .unclear, .reply),
        ("delete everything", .unclear, .reply),
        ("ｅｃｈｏ fullwidth", .unclear, .reply),
        ("🙂", .unclear, .reply),
        (longText, .unclear, .reply),
        (String(repeating: "x", count: IntentClassifier.maxMessageBytes + 1), .tooLong, .reply),
    ]

    @Test(arguments: cases)
    func classifies(message: String, name: Intent.Name, expect: Expect) {
        let intent = IntentClassifier.classify(message)
        #expect(intent.name == name, "\(intent.reason)")
        #expect(!intent.reason.isEmpty)
        #expect((0...1).contains(intent.confidence))
        switch (expect, intent.action) {
        case (.mission(let type, let description, let domains), .createMission(let objective, let constraints)):
            #expect(objective.type == type)
            #expect(objective.description == description)
            #expect(constraints.allowedDomains == domains)
        case (.status(let id), .status(let actual)): #expect(actual == id)
        case (.cancel(let id), .cancel(let actual)): #expect(actual == id)
        case (.list(let status), .list(let actual)): #expect(actual == status)
        case (.reply, .reply(let text)): #expect(!text.isEmpty)
        default: Issue.record("expected \(expect), got \(intent.action)")
        }
    }

    @Test func there_are_at_least_sixty_phrasings() {
        #expect(Self.cases.count >= 60)
    }

    @Test func classification_is_deterministic() {
        for (message, _, _) in Self.cases.prefix(40) {
            #expect(IntentClassifier.classify(message) == IntentClassifier.classify(message))
        }
    }

    @Test func replies_for_help_list_what_the_service_can_do() {
        guard case .reply(let text) = IntentClassifier.classify("help").action else { Issue.record("no reply"); return }
        for command in ["echo", "http", "run", "status", "cancel", "list"] { #expect(text.contains(command)) }
    }
}

extension Intent.Action: CustomTestStringConvertible {
    public var testDescription: String { "\(self)" }
}
