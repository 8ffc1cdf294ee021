import MissionModel
public enum DataDirectoryError: Error, CustomStringConvertible, Equatable {
    case busy(path: String)
    case cannotCreate(path: String, reason: String)

    public var description: String {
        switch self {
        case .busy(let path):
            return "another mission process (e.g. `mission serve`) is writing to \(path); stop it first, use another --data directory, or ask the running server with --server URL"
        case .cannotCreate(let path, let reason):
            return "cannot create \(path): \(reason); check the --data path and its permissions"
        }
    }
}
