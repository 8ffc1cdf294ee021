import Foundation

/// robots.txt rules for one user agent (RFC 9309): the group naming our product token, else
/// the `*` group; the longest matching rule wins, `Allow` on a tie; `*` and a final `$` in
/// paths are honoured.
public struct RobotsTxt: Sendable, Hashable {
    public static let productToken = "mission"

    struct Rule: Sendable, Hashable {
        var allow: Bool
        var pattern: String
    }

    let rules: [Rule]

    public static let allowAll = RobotsTxt(rules: [])
    public static let disallowAll = RobotsTxt(rules: [Rule(allow: false, pattern: "/")])

    init(rules: [Rule]) {
        self.rules = rules
    }

    public init(parsing text: String, agent: String = productToken) {
        var groups: [(agents: [String], rules: [Rule])] = []
        var collectingAgents = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "user-agent":
                if !collectingAgents { groups.append(([], [])) }
                collectingAgents = true
                groups[groups.count - 1].agents.append(value.lowercased())
            case "allow", "disallow":
                collectingAgents = false
                guard !groups.isEmpty, !value.isEmpty || key == "disallow" else { continue }
                // "Disallow:" with no path allows everything: no rule.
                if value.isEmpty { continue }
                groups[groups.count - 1].rules.append(Rule(allow: key == "allow", pattern: value))
            default:
                continue
            }
        }
        let token = agent.lowercased()
        let specific = groups.filter { $0.agents.contains(token) }
        let chosen = specific.isEmpty ? groups.filter { $0.agents.contains("*") } : specific
        rules = chosen.flatMap(\.rules)
    }

    public func allows(path: String) -> Bool {
        var best: Rule?
        for rule in rules where Self.matches(rule.pattern, path) {
            if let current = best {
                if rule.pattern.count > current.pattern.count || (rule.pattern.count == current.pattern.count && rule.allow) { best = rule }
            } else {
                best = rule
            }
        }
        return best?.allow ?? true
    }

    /// `*` matches any run of characters; a final `$` anchors the end; otherwise the pattern
    /// is a prefix (RFC 9309 §2.2.3). Two-pointer matching, linear per backtrack.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        var p = Array(pattern.utf8)
        if p.last == UInt8(ascii: "$") { p.removeLast() } else { p.append(UInt8(ascii: "*")) }
        let s = Array(path.utf8)
        let star = UInt8(ascii: "*")
        var i = 0, j = 0
        var lastStar = -1, resume = 0
        while j < s.count {
            if i < p.count, p[i] == star {
                lastStar = i
                resume = j
                i += 1
            } else if i < p.count, p[i] == s[j] {
                i += 1
                j += 1
            } else if lastStar >= 0 {
                i = lastStar + 1
                resume += 1
                j = resume
            } else {
                return false
            }
        }
        while i < p.count, p[i] == star { i += 1 }
        return i == p.count
    }
}

