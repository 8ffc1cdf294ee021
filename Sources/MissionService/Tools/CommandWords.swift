import MissionModel
/// Splits a command line into words the way a POSIX shell would quote them, without a shell:
/// `'single quotes'` are literal, `"double quotes"` allow `\"` `\\` `\$` and `` \` ``, and a
/// backslash outside quotes escapes the next character. Nothing is expanded or globbed.
public enum CommandWords {
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func split(_ line: String) throws(Error) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" { closed = true; break }
                    current.append(next)
                }
                guard closed else { throw Error(description: "unterminated ' quote") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" { closed = true; break }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if !"\"\\$`".contains(escaped) { current.append("\\") }
                        current.append(escaped)
                    } else {
                        current.append(next)
                    }
                }
                guard closed else { throw Error(description: "unterminated \" quote") }
            case "\\":
                guard let escaped = iterator.next() else { throw Error(description: "a trailing backslash") }
                inWord = true
                current.append(escaped)
            case _ where character.isWhitespace:
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
