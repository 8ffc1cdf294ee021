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
        // Linux calls Glibc does not export to Swift: posix_spawn setup, pidfd_open, pipe2, epoll, eventfd, accept4.
        .target(name: "CShim"),
        .target(name: "MissionService", dependencies: ["CShim"]),
        .executableTarget(name: "MissionCLI", dependencies: ["MissionService"]),
        .executableTarget(name: "MissionBench", dependencies: ["MissionService", "CShim"], path: "Benchmarks/MissionBench"),
        .testTarget(name: "MissionServiceTests", dependencies: ["MissionService", "CShim"]),
    ],
    swiftLanguageModes: [.v6]
)
