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
        .target(name: "MissionService"),
        .executableTarget(name: "MissionCLI", dependencies: ["MissionService"]),
        .executableTarget(name: "MissionBench", dependencies: ["MissionService"], path: "Benchmarks/MissionBench"),
        .testTarget(name: "MissionServiceTests", dependencies: ["MissionService"]),
    ],
    swiftLanguageModes: [.v6]
)
