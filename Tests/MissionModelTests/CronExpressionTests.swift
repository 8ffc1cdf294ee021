import MissionModel
import Testing

/// CONTRACT §9 schedules: the cron parser against next fire times worked out by hand
/// (2026-12-07 is a Monday).
@Suite struct CronExpressionTests {
    static func at(_ text: String) -> Timestamp { Timestamp(parsing: text)! }

    @Test(arguments: [
        ("*/5 * * * *", "2026-12-07T10:02:30Z", "2026-12-07T10:05:00.000Z"),
        ("*/5 * * * *", "2026-12-07T10:05:00Z", "2026-12-07T10:10:00.000Z"),
        ("0 9 * * *", "2026-12-07T09:00:00Z", "2026-12-08T09:00:00.000Z"),
        ("0 0 1 * *", "2026-01-31T12:00:00Z", "2026-02-01T00:00:00.000Z"),
        ("30 8 * * MON-FRI", "2026-12-05T10:00:00Z", "2026-12-07T08:30:00.000Z"),
        ("0 12 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T12:00:00.000Z"),
        ("0 0 13 * 5", "2026-12-07T00:00:00Z", "2026-12-11T00:00:00.000Z"),
        ("0 0 13 * 5", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00.000Z"),
        ("15,45 */6 * * *", "2026-12-07T06:50:00Z", "2026-12-07T12:15:00.000Z"),
        ("0 0 * * 7", "2026-12-07T00:00:00Z", "2026-12-13T00:00:00.000Z"),
        ("0 0 * * 0", "2026-12-07T00:00:00Z", "2026-12-13T00:00:00.000Z"),
        ("5 4 * JAN,jul *", "2026-12-07T00:00:00Z", "2027-01-01T04:05:00.000Z"),
        ("10-30/10 * * * *", "2026-12-07T10:31:00Z", "2026-12-07T11:10:00.000Z"),
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00.000Z"),
        // February only, and then the 29th or any Monday.
        ("0 0 29 2 1", "2026-12-07T00:00:00Z", "2027-02-01T00:00:00.000Z"),
    ])
    func next_fire_times(_ cron: String, _ after: String, _ expected: String) throws {
        let expression = try CronExpression(parsing: cron)
        #expect(expression.next(after: Self.at(after))?.formatted == expected)
    }

    @Test(arguments: [
        ("0 0 31 2 *", "never fires"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("61 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day of month"),
        ("* * * 13 *", "month"),
        ("* * * * 8", "day of week"),
        ("* * *", "5 fields"),
        ("* * * * * *", "5 fields"),
        ("*/0 * * * *", "step"),
        ("5-1 * * * *", "backwards"),
        ("x * * * *", "not a number"),
        ("* * * FOO *", "not a number or a name"),
        ("1,,2 * * * *", "minute"),
    ])
    func a_bad_expression_says_which_field_and_why(_ cron: String, _ named: String) {
        do {
            _ = try CronExpression(parsing: cron)
            Issue.record("'\(cron)' was accepted")
        } catch {
            #expect(error.description.contains(named), "\(error.description)")
        }
    }

    @Test func the_last_fire_time_before_a_moment_is_found_for_a_catch_up() throws {
        let every5 = try CronExpression(parsing: "*/5 * * * *")
        #expect(every5.previous(atOrBefore: Self.at("2026-12-07T10:07:00Z"), notBefore: Self.at("2026-12-07T09:00:00Z"))?.formatted
                == "2026-12-07T10:05:00.000Z")
        #expect(every5.previous(atOrBefore: Self.at("2026-12-07T10:05:00Z"), notBefore: Self.at("2026-12-01T00:00:00Z"))?.formatted
                == "2026-12-07T10:05:00.000Z")
        #expect(every5.previous(atOrBefore: Self.at("2026-12-07T10:04:00Z"), notBefore: Self.at("2026-12-07T10:01:00Z")) == nil)
        let daily = try CronExpression(parsing: "0 9 * * *")
        #expect(daily.previous(atOrBefore: Self.at("2027-03-01T08:00:00Z"), notBefore: Self.at("2026-01-01T00:00:00Z"))?.formatted
                == "2027-02-28T09:00:00.000Z")
        #expect(daily.text == "0 9 * * *")
        // Yearly, two years of it: the last time is this year's, not the first one's.
        let yearly = try CronExpression(parsing: "0 0 1 1 *")
        #expect(yearly.previous(atOrBefore: Self.at("2026-12-07T10:00:00Z"), notBefore: Self.at("2024-09-01T00:00:00Z"))?.formatted
                == "2026-01-01T00:00:00.000Z")
        #expect(yearly.previous(atOrBefore: Self.at("2026-12-07T10:00:00Z"), notBefore: Self.at("2026-01-01T00:00:01Z")) == nil)
        // Against a walk with `next`: the same answer for many expressions and moments.
        for text in ["*/7 3-5 * * *", "15 */2 * * MON", "0 0 13 * 5", "30 23 L * *".replacingOccurrences(of: "L", with: "28-31")] {
            let cron = try CronExpression(parsing: text)
            for hours in stride(from: 0, to: 24 * 40, by: 17) {
                let moment = Timestamp(millisecondsSinceEpoch: Self.at("2026-11-01T00:00:00Z").millisecondsSinceEpoch + Int64(hours) * 3_600_000 + 123)
                let floor = Self.at("2026-10-01T00:00:00Z")
                var walked: Timestamp?
                var cursor = Timestamp(millisecondsSinceEpoch: floor.millisecondsSinceEpoch - 1)
                while let fire = cron.next(after: cursor), fire <= moment { walked = fire; cursor = fire }
                #expect(cron.previous(atOrBefore: moment, notBefore: floor) == walked, "\(text) at \(moment)")
            }
        }
    }
}
