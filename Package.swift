// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MissionService",
    products: [
        .library(name: "MissionService", targets: ["MissionService"]),
        .executable(name: "mission", targets: ["MissionCLI"]),
        .executable(name: "mission-bench", targets: ["MissionBench"]),
    ],
    targets: [
        // Linux calls Glibc does not export to Swift: spawning (vfork + exec, parent-death signal), pidfd_open, pipe2, epoll, eventfd, accept4.
        .target(name: "CShim"),
        // The bottom layer: JSON, the records, locks and small values, used on every request's
        // path. Its bodies are offered to the modules above for inlining and specialisation:
        // without that (and `@inlinable` on `Locked.withLock`) a durable POST cost 6-16% more
        // CPU than when everything was one module (scripts/post-cpu, alternating builds).
        .target(name: "MissionModel", dependencies: ["CShim"],
                swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        // Readiness of descriptors on one epoll thread, and TCP sockets on it: below the store,
        // whose PostgreSQL connections wait on it too.
        .target(name: "MissionNet", dependencies: ["MissionModel", "CShim"],
                swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        // The log (a protocol and its JSON Lines implementation), the whiteboard fold, checkpoints
        // and the data directory.
        .target(name: "MissionStore", dependencies: ["MissionNet", "MissionModel", "CShim"],
                swiftSettings: [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]),
        .target(name: "MissionService", dependencies: ["MissionStore", "MissionNet", "MissionModel", "CShim"]),
        // Every command of `mission`: parsing, dispatch, output.
        .executableTarget(name: "MissionCLI", dependencies: ["MissionService", "MissionStore", "MissionNet", "MissionModel"]),
        .executableTarget(name: "MissionBench", dependencies: ["MissionService", "MissionStore", "MissionNet", "MissionModel", "CShim"], path: "Benchmarks/MissionBench"),
        // Tests mirror the targets.
        .target(name: "MissionTestSupport", dependencies: ["MissionStore", "MissionModel", "CShim"], path: "Tests/MissionTestSupport"),
        .testTarget(name: "MissionModelTests", dependencies: ["MissionModel"]),
        .testTarget(name: "MissionStoreTests", dependencies: ["MissionStore", "MissionNet", "MissionModel", "MissionTestSupport"]),
        .testTarget(name: "MissionCLITests", dependencies: ["MissionCLI", "MissionService", "MissionStore", "MissionNet", "MissionModel", "MissionTestSupport"]),
        .testTarget(name: "MissionServiceTests", dependencies: ["MissionCLI", "MissionService", "MissionStore", "MissionNet", "MissionModel", "MissionTestSupport", "CShim"]),
    ],
    swiftLanguageModes: [.v6]
)
