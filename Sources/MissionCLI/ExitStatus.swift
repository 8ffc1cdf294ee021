import MissionService
import MissionModel
/// Exit statuses (CONTRACT §6).
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
    public static let interrupted: Int32 = 130
}

/// A failure to report to the user as it is, with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
