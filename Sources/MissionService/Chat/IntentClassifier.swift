import MissionModel
import Foundation

/// Turns a chat message into an `Intent`. Pure and deterministic: the same text always gives
/// the same intent, and `reason` says which rule decided. Rules are tried in order; a request
/// it does not understand gets a helpful reply, never a guessed mission.
public enum IntentClassifier {
    public static let maxMessageBytes = 32 << 10

    public static let capabilities = """
        I can run missions and tell you about them. Try:
          echo TEXT                  an echo mission (answers with TEXT)
          summarise https://…        a fetch mission on that site (any message with an http(s) URL)
          run PROGRAM ARGS           a command mission (programs the server allows)
          status of ID               where a mission stands
          cancel ID                  stop a queued or running mission
          list missions              recent missions; "what's running" for live ones
        """

    public static func classify(_ message: String) -> Intent {
        let text = String(message.trimmed(while: \.isWhitespace))
        if text.isEmpty {
            return Intent(name: .empty, confidence: 1, reason: "the message is empty", action: .reply("Your message was empty. " + capabilities))
        }
        if text.utf8.count > maxMessageBytes {
            return Intent(name: .tooLong, confidence: 1, reason: "the message is \(text.utf8.count) bytes, over the \(maxMessageBytes)-byte limit",
                          action: .reply("That message is too long (\(text.utf8.count) bytes; the limit is \(maxMessageBytes)). Put long input in a file or a URL."))
        }
        let words = Words(text)
        return commandWord(words) ?? question(words) ?? url(text, words) ?? smallTalk(words) ?? unclear(words)
    }

    // MARK: Rules

    /// An explicit command word first: `echo …`, `run …`, `status …`, `cancel …`, `list …`.
    static func commandWord(_ words: Words) -> Intent? {
        guard let first = words.lower.first else { return nil }
        switch first {
        case "echo", "say", "repeat":
            let rest = words.rest(after: 1)
            guard !rest.isEmpty else {
                return Intent(name: .unclear, confidence: 0.6, reason: "'\(first)' with nothing to echo", action: .reply("Echo what? Try: echo hello"))
            }
            return Intent(name: .echo, confidence: 0.95, reason: "starts with '\(first)': an echo mission of the rest",
                          action: .createMission(Objective(type: "echo", description: rest), Constraints()))
        case "run", "exec", "execute":
            let rest = words.rest(after: 1)
            guard !rest.isEmpty else {
                return Intent(name: .unclear, confidence: 0.6, reason: "'\(first)' with no program", action: .reply("Run what? Try: run PROGRAM ARGS"))
            }
            if rest.lowercased().hasPrefix("http://") || rest.lowercased().hasPrefix("https://") { return nil }
            return Intent(name: .runCommand, confidence: 0.9, reason: "starts with '\(first)': a command mission for '\(words.original[1])'",
                          action: .createMission(Objective(type: "command", description: rest), Constraints()))
        case "status", "progress", "state":
            let id = missionID(in: words, from: 1)
            return Intent(name: .missionStatus, confidence: id == nil ? 0.7 : 0.95,
                          reason: id.map { "starts with '\(first)' and names mission \($0)" } ?? "starts with '\(first)' but names no mission id",
                          action: .status(missionID: id))
        case "cancel", "stop", "abort", "kill":
            let id = missionID(in: words, from: 1)
            return Intent(name: .cancelMission, confidence: id == nil ? 0.7 : 0.95,
                          reason: id.map { "starts with '\(first)' and names mission \($0)" } ?? "starts with '\(first)' but names no mission id",
                          action: .cancel(missionID: id))
        case "list", "show", "ls":
            let rest = Array(words.lower.dropFirst())
            let filter = rest.lazy.compactMap { MissionStatus(rawValue: $0) }.first
            if rest.isEmpty || rest.contains(where: { $0 == "missions" || $0 == "mission" || $0 == "all" || $0 == "jobs" }) || filter != nil {
                return Intent(name: .listMissions, confidence: 0.9, reason: "asks to '\(first)' missions" + (filter.map { " that are \($0.rawValue)" } ?? ""),
                              action: .list(filter))
            }
            return nil
        case "help", "commands", "?", "usage":
            return Intent(name: .help, confidence: 0.95, reason: "asks for help", action: .reply(capabilities))
        default:
            return nil
        }
    }

    /// Natural questions about missions: "how is ID doing", "what's running", "is ID done?".
    /// Checked before URLs: a URL inside a status question is not a request to fetch it.
    static func question(_ words: Words) -> Intent? {
        let lower = words.lowerText
        let id = missionID(in: words, from: 0)
        if lower.hasPrefix("how is") || lower.hasPrefix("how's") || lower.hasPrefix("hows ") || lower.hasPrefix("is ")
            || lower.hasPrefix("what is the status") || lower.hasPrefix("what's the status") || lower.hasPrefix("whats the status")
            || lower.contains("status of") || lower.hasPrefix("where is") || lower.hasPrefix("any news") || lower.hasPrefix("check on") {
            let howIsItGoing = lower.hasSuffix("doing") || lower.hasSuffix("doing?") || lower.hasSuffix("going") || lower.hasSuffix("going?")
            if id != nil || lower.contains("status") || howIsItGoing {
                return Intent(name: .missionStatus, confidence: id == nil ? 0.6 : 0.8,
                              reason: "a question about " + (id.map { "mission \($0)" } ?? "a mission, without an id"),
                              action: .status(missionID: id))
            }
        }
        if let id, lower.hasPrefix("please cancel") || lower.hasPrefix("please stop") || lower.hasPrefix("can you cancel") || lower.hasPrefix("can you stop") {
            return Intent(name: .cancelMission, confidence: 0.8, reason: "asks to cancel mission \(id)", action: .cancel(missionID: id))
        }
        let running = ["what's running", "whats running", "what is running", "what's active", "what is active", "anything running", "what are you doing", "what's queued", "what is queued"]
        if running.contains(where: { lower.hasPrefix($0) }) {
            let status: MissionStatus? = lower.contains("queued") ? .queued : .active
            return Intent(name: .listMissions, confidence: 0.85, reason: "asks what is \(status!.rawValue)", action: .list(status))
        }
        if lower.hasPrefix("what can you do") || lower.hasPrefix("how do i") || lower.hasPrefix("how does this work") {
            return Intent(name: .help, confidence: 0.9, reason: "asks what the service can do", action: .reply(capabilities))
        }
        return nil
    }

    /// Any other message with an http(s) URL: a fetch mission limited to the URLs' hosts.
    static func url(_ text: String, _ words: Words) -> Intent? {
        let urls = httpURLs(in: text)
        guard !urls.isEmpty else { return nil }
        let hosts = self.hosts(of: urls)
        if let first = words.lower.first, negations.contains(first) || words.lowerText.hasPrefix("do not ") {
            return Intent(name: .unclear, confidence: 0.5, reason: "mentions \(hosts.joined(separator: ", ")) but says not to",
                          action: .reply("I will leave \(hosts.joined(separator: ", ")) alone. " + capabilities))
        }
        return Intent(name: .fetch, confidence: 0.85,
                      reason: "contains \(urls.count == 1 ? "a URL" : "\(urls.count) URLs") on \(hosts.joined(separator: ", ")): a fetch mission limited to \(hosts.count == 1 ? "that host" : "those hosts")",
                      action: .createMission(Objective(type: "fetch", description: text), Constraints(allowedDomains: hosts)))
    }

    static func smallTalk(_ words: Words) -> Intent? {
        guard let first = words.lower.first.map({ String($0.trimmed(while: \.isPunctuation)) }), greetings.contains(first), words.lower.count <= 4 else { return nil }
        return Intent(name: .greeting, confidence: 0.9, reason: "a greeting", action: .reply("Hello! " + capabilities))
    }

    static func unclear(_ words: Words) -> Intent {
        Intent(name: .unclear, confidence: 0.2, reason: "no command word, no mission question and no URL",
               action: .reply("I'm not sure what to do with that, so I did nothing. " + capabilities))
    }

    // MARK: Helpers

    // Built once: the classifier runs on every chat message (and millions of times when fuzzed).
    static let negations: Set<String> = ["don't", "dont", "do not", "never", "not"]
    static let greetings: Set<String> = ["hi", "hello", "hey", "hiya", "howdy", "yo", "hola", "greetings", "morning", "evening", "good"]
    /// Words around an id that are never one.
    static let notIDs: Set<String> = ["of", "for", "on", "mission", "the", "job", "id", "please", "is", "doing", "going", "how", "what",
                                      "status", "my", "with", "it", "done", "now"]
    static let idPunctuation = Set("?!.,;:\"'()[]<>")
    static let urlPunctuation = Set("()[]<>\"',;!?")


    /// The first word from `start` on that looks like a mission id (punctuation trimmed).
    static func missionID(in words: Words, from start: Int) -> String? {
        for word in words.original.dropFirst(start) {
            let bare = String(word.trimmed { idPunctuation.contains($0) })
            if httpURL(bare) != nil { continue }
            let lower = bare.lowercased()
            if lower.hasPrefix("m-") || lower.contains("-") && lower.count >= 8 {
                if MissionID.isPlausible(bare) { return bare }
            }
            if !notIDs.contains(lower), bare.count >= 6, MissionID.isPlausible(bare), bare.contains(where: \.isNumber) {
                return bare
            }
        }
        return nil
    }

    /// Every http(s) URL among the white-space separated words of `text`, in order.
    public static func httpURLs(in text: String) -> [URL] {
        text.split(whereSeparator: { $0.isWhitespace }).compactMap { httpURL(String($0)) }
    }

    /// The hosts of `urls`, lowercased, each once: what "the hosts of the URLs given" means.
    public static func hosts(of urls: [URL]) -> [String] {
        urls.compactMap { $0.host?.lowercased() }.uniqued()
    }

    static func httpURL(_ word: String) -> URL? {
        let bare = String(word.trimmed { urlPunctuation.contains($0) })
        let cleaned = bare.hasSuffix(".") ? String(bare.dropLast()) : bare
        let lower = cleaned.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"),
              let url = URL(string: cleaned), let host = url.host, !host.isEmpty,
              url.scheme?.lowercased() == "http" || url.scheme?.lowercased() == "https" else { return nil }
        return url
    }

    /// A message split on any Unicode white space, kept both as typed and lowercased.
    struct Words {
        let text: String
        let original: [String]
        let lower: [String]
        let lowerText: String

        init(_ text: String) {
            self.text = text
            original = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            lower = original.map { $0.lowercased() }
            lowerText = lower.joined(separator: " ")
        }

        /// The text after the first `count` words, as typed (inner spacing kept).
        func rest(after count: Int) -> String {
            var remainder = Substring(text)
            for _ in 0..<count {
                remainder = remainder.drop(while: { $0.isWhitespace })
                remainder = remainder.drop(while: { !$0.isWhitespace })
            }
            return String(remainder.trimmed(while: \.isWhitespace))
        }
    }
}
