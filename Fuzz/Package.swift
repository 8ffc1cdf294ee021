// swift-tools-version:6.0
// libFuzzer targets (issue 8), kept out of the main package: they have no `main` of their own
// and link only with `--sanitize=fuzzer`. The library's sources are linked in (symlinks under
// Sources/), so that they are built with this package's flags. Build and run with
// `scripts/fuzz`, which also asks for coverage explicitly (see there why).
import PackageDescription

let package = Package(
    name: "MissionFuzz",
    targets: [
        .target(name: "CShim"),
        .target(name: "MissionModel", dependencies: ["CShim"]),
        .target(name: "MissionNet", dependencies: ["MissionModel", "CShim"]),
        .target(name: "MissionStore", dependencies: ["MissionNet", "MissionModel", "CShim"]),
        .target(name: "MissionService", dependencies: ["MissionStore", "MissionNet", "MissionModel", "CShim"]),
    ] + ["FuzzHTTP", "FuzzWebSocket", "FuzzJSONL", "FuzzIntent"].map { name in
        .executableTarget(name: name, dependencies: ["MissionService"])
    },
    swiftLanguageModes: [.v6]
)
