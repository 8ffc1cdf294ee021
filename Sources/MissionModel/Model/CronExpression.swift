/// A standard 5-field cron expression, in UTC (CONTRACT §9 schedules): minute, hour, day of
/// month, month, day of week. Each field is `*`, a number, a range `a-b`, any of these with a
/// step `/n`, or a comma list of them; months may be named JAN…DEC and days SUN…SAT, and 7 is
/// Sunday too. As in Vixie cron, when both the day of month and the day of week are
/// restricted, a day matching either fires.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The fields' names, bounds and word names, in order.
    private static let fields: [(name: String, range: ClosedRange<Int>, words: [String])] = [
        ("minute", 0...59, []),
        ("hour", 0...23, []),
        ("day of month", 1...31, []),
        ("month", 1...12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]),
        ("day of week", 0...7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
    ]

    public let text: String
    /// The allowed values of each field, as bit sets (bit n: value n).
    private let minutes: UInt64
    private let hours: UInt64
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5 else {
            throw ParseError(description: "a cron expression has 5 fields (minute hour day-of-month month day-of-week), '\(text.prefix(100))' has \(parts.count)")
        }
        var sets: [UInt64] = []
        for (index, part) in parts.enumerated() {
            sets.append(try Self.parseField(String(part), Self.fields[index]))
        }
        self.text = parts.joined(separator: " ")
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        // 7 is Sunday, as 0 is.
        daysOfWeek = (sets[4] | (sets[4] >> 7)) & 0x7F
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")
        if !dayOfWeekRestricted || !dayOfMonthRestricted {
            // A day of month that no allowed month has (31 February) never fires.
            let longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            let possible = (1...12).contains { month in
                months & (1 << month) != 0 && (1...longest[month - 1]).contains { daysOfMonth & (1 << $0) != 0 }
            }
            guard possible || dayOfWeekRestricted && !dayOfMonthRestricted else {
                throw ParseError(description: "'\(self.text)' never fires: no month it allows has the day of month it asks for")
            }
        }
    }

    public var description: String { text }

    private static func parseField(_ text: String, _ field: (name: String, range: ClosedRange<Int>, words: [String])) throws(ParseError) -> UInt64 {
        func fail(_ reason: String) -> ParseError {
            ParseError(description: "cron field \(field.name) '\(text.prefix(40))': \(reason)")
        }
        func value(_ token: Substring) throws(ParseError) -> Int {
            if let number = Int(token) {
                guard field.range.contains(number) else { throw fail("\(number) is outside \(field.range.lowerBound)-\(field.range.upperBound)") }
                return number
            }
            if let index = field.words.firstIndex(of: token.uppercased()) { return index + (field.name == "month" ? 1 : 0) }
            throw fail("'\(token.prefix(20))' is not a number\(field.words.isEmpty ? "" : " or a name such as \(field.words[0])")")
        }
        var set: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2, !stepParts[0].isEmpty else { throw fail("'\(item.prefix(20))' is not a value, range or step") }
            var step = 1
            if stepParts.count == 2 {
                guard let number = Int(stepParts[1]), number >= 1, number <= field.range.upperBound else {
                    throw fail("the step '\(stepParts[1].prefix(20))' must be a number from 1 to \(field.range.upperBound)")
                }
                step = number
            }
            let low: Int, high: Int
            if stepParts[0] == "*" {
                (low, high) = (field.range.lowerBound, field.range.upperBound)
            } else {
                let bounds = stepParts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, bounds.allSatisfy({ !$0.isEmpty }) else { throw fail("'\(item.prefix(20))' is not a value or a range a-b") }
                low = try value(bounds[0])
                // `a/n` means from a to the end, as in Vixie cron.
                high = bounds.count == 2 ? try value(bounds[1]) : (stepParts.count == 2 ? field.range.upperBound : low)
                guard low <= high else { throw fail("the range \(low)-\(high) goes backwards") }
            }
            for number in stride(from: low, through: high, by: step) { set |= 1 << number }
        }
        return set
    }

    /// The first time after `time` (strictly) at which this fires, at a whole minute; nil if
    /// none comes within eight years (only a day the calendar rarely has, such as 29 February
    /// on a given weekday, can be that far).
    public func next(after time: Timestamp) -> Timestamp? {
        let minuteMillis: Int64 = 60_000
        var minute = time.millisecondsSinceEpoch.floorDiv(minuteMillis) + 1
        var day = minute.floorDiv(1440)
        let lastDay = day + 8 * 366
        while day <= lastDay {
            let (_, month, dayOfMonth) = Timestamp.civil(fromDays: day)
            // 1970-01-01 was a Thursday (4).
            let weekday = Int((day % 7 + 7 + 4) % 7)
            if months & (1 << month) != 0 && dayMatches(dayOfMonth: Int(dayOfMonth), weekday: weekday) {
                var minuteOfDay = Int(minute - day * 1440)
                while minuteOfDay < 1440 {
                    let (hour, minuteOfHour) = (minuteOfDay / 60, minuteOfDay % 60)
                    if hours & (1 << hour) == 0 {
                        minuteOfDay = (hour + 1) * 60
                        continue
                    }
                    if minutes & (1 << minuteOfHour) != 0 {
                        return Timestamp(millisecondsSinceEpoch: (day * 1440 + Int64(minuteOfDay)) * minuteMillis)
                    }
                    minuteOfDay += 1
                }
            }
            day += 1
            minute = day * 1440
        }
        return nil
    }

    /// The last time at or before `time` at which this fired, no earlier than `notBefore`:
    /// the same search as `next`, backwards.
    public func previous(atOrBefore time: Timestamp, notBefore: Timestamp) -> Timestamp? {
        let minuteMillis: Int64 = 60_000
        var minute = time.millisecondsSinceEpoch.floorDiv(minuteMillis)
        let firstMinute = (notBefore.millisecondsSinceEpoch + minuteMillis - 1).floorDiv(minuteMillis)
        var day = minute.floorDiv(1440)
        let lastDay = max(firstMinute.floorDiv(1440), day - 8 * 366)
        while day >= lastDay {
            let (_, month, dayOfMonth) = Timestamp.civil(fromDays: day)
            let weekday = Int((day % 7 + 7 + 4) % 7)
            if months & (1 << month) != 0 && dayMatches(dayOfMonth: Int(dayOfMonth), weekday: weekday) {
                var minuteOfDay = Int(minute - day * 1440)
                while minuteOfDay >= 0 {
                    let (hour, minuteOfHour) = (minuteOfDay / 60, minuteOfDay % 60)
                    if hours & (1 << hour) == 0 {
                        minuteOfDay = hour * 60 - 1
                        continue
                    }
                    if minutes & (1 << minuteOfHour) != 0 {
                        let found = day * 1440 + Int64(minuteOfDay)
                        return found >= firstMinute ? Timestamp(millisecondsSinceEpoch: found * minuteMillis) : nil
                    }
                    minuteOfDay -= 1
                }
            }
            day -= 1
            minute = day * 1440 + 1439
        }
        return nil
    }

    private func dayMatches(dayOfMonth: Int, weekday: Int) -> Bool {
        let byMonth = daysOfMonth & (1 << dayOfMonth) != 0
        let byWeek = daysOfWeek & (1 << weekday) != 0
        if dayOfMonthRestricted && dayOfWeekRestricted { return byMonth || byWeek }
        return byMonth && byWeek
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (times before 1970 stay in their minute).
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
