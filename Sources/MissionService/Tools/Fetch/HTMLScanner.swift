import Foundation

/// A tolerant HTML reader, written by hand: the title, the links (resolved against the base
/// URL, `<base href>` honoured, fragments dropped, duplicates removed, http(s) only) and the
/// visible text (outside `<script>`, `<style>`, comments and tags), entities decoded and white
/// space collapsed. It never fails: broken markup gives what could be read.
public struct HTMLScanner {
    public struct Page: Sendable, Hashable {
        public var title: String
        public var links: [URL]
        public var text: String

        /// The first `count` words of the visible text.
        public func firstWords(_ count: Int) -> String {
            let words = text.split(separator: " ").prefix(count)
            return words.joined(separator: " ") + (text.split(separator: " ").count > count ? " …" : "")
        }
    }

    public static func scan(_ html: String, base: URL) -> Page {
        var title = ""
        var inTitle = false
        var text = ""
        var hrefs: [String] = []
        var baseURL = base
        var index = html.startIndex
        func appendText(_ fragment: Substring) {
            let decoded = decodeEntities(fragment)
            if inTitle { title += decoded } else { text += decoded + " " }
        }
        while index < html.endIndex {
            guard let open = html[index...].firstIndex(of: "<") else {
                appendText(html[index...])
                break
            }
            appendText(html[index..<open])
            if html[open...].hasPrefix("<!--") {
                index = html[open...].range(of: "-->")?.upperBound ?? html.endIndex
                continue
            }
            guard let close = html[open...].firstIndex(of: ">") else { break }
            let tag = html[html.index(after: open)..<close]
            index = html.index(after: close)
            let name = tag.prefix(while: { !$0.isWhitespace && $0 != "/" }).lowercased()
            let closing = tag.hasPrefix("/")
            let closingName = closing ? tag.dropFirst().prefix(while: { !$0.isWhitespace }).lowercased() : ""
            switch closing ? closingName : name {
            case "script", "style", "noscript", "template":
                guard !closing else { continue }
                // Skip the raw content up to the matching end tag.
                let end = html[index...].range(of: "</\(name)", options: .caseInsensitive)
                index = end.flatMap { html[$0.upperBound...].firstIndex(of: ">") }.map { html.index(after: $0) } ?? html.endIndex
            case "title":
                inTitle = !closing
            case "a", "area":
                if !closing, let href = attribute("href", in: tag) { hrefs.append(href) }
            case "base":
                if let href = attribute("href", in: tag), let url = URL(string: href, relativeTo: base)?.absoluteURL { baseURL = url }
            case "br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th":
                text += " "
            default:
                break
            }
        }
        var seen = Set<String>()
        var links: [URL] = []
        for href in hrefs {
            guard let resolved = URL(string: href.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: baseURL)?.absoluteURL,
                  let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  var components = URLComponents(url: resolved, resolvingAgainstBaseURL: false) else { continue }
            components.fragment = nil
            guard let url = components.url, seen.insert(url.absoluteString).inserted else { continue }
            links.append(url)
        }
        return Page(title: collapse(title), links: links, text: collapse(text))
    }

    /// The value of `name` in a tag's attributes: quoted with " or ', or bare.
    static func attribute(_ name: String, in tag: Substring) -> String? {
        var rest = tag.drop(while: { !$0.isWhitespace })
        while let range = rest.range(of: name, options: .caseInsensitive) {
            let before = rest[..<range.lowerBound].last
            var after = rest[range.upperBound...].drop(while: \.isWhitespace)
            guard before == nil || before!.isWhitespace, after.first == "=" else {
                rest = rest[range.upperBound...]
                continue
            }
            after = after.dropFirst().drop(while: \.isWhitespace)
            if let quote = after.first, quote == "\"" || quote == "'" {
                let value = after.dropFirst().prefix(while: { $0 != quote })
                return decodeEntities(value)
            }
            return decodeEntities(after.prefix(while: { !$0.isWhitespace && $0 != ">" }))
        }
        return nil
    }

    static let namedEntities: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "#39": "'"]

    static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var index = text.startIndex
        while let amp = text[index...].firstIndex(of: "&") {
            out += text[index..<amp]
            guard let semicolon = text[amp...].prefix(12).firstIndex(of: ";") else {
                out += "&"
                index = text.index(after: amp)
                continue
            }
            let entity = text[text.index(after: amp)..<semicolon]
            if let named = namedEntities[String(entity)] {
                out += named
            } else if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let code = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                out.unicodeScalars.append(scalar)
            } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code) {
                out.unicodeScalars.append(scalar)
            } else {
                out += "&" + entity + ";"
            }
            index = text.index(after: semicolon)
        }
        out += text[index...]
        return out
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
