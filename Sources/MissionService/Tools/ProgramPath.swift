import Foundation

/// Finds the executable a program name refers to, as a shell would: a name with a slash is a
/// path; otherwise the first match on `PATH`.
public enum ProgramPath {
    public static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    public static func resolve(_ program: String, searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? defaultSearchPath) -> String? {
        let manager = FileManager.default
        if program.contains("/") {
            let absolute = program.hasPrefix("/") ? program : manager.currentDirectoryPath + "/" + program
            return manager.isExecutableFile(atPath: absolute) ? (absolute as NSString).standardizingPath : nil
        }
        guard !program.isEmpty else { return nil }
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue, manager.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}
