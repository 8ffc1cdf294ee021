// swift-tools-version:6.0
// libFuzzer targets (issue 8), kept out of the main package: they have no `main` of their own
// and link only with `--sanitize=fuzzer`. Build and run them with `scripts/fuzz`.
import PackageDescription

let package = Package(
    name: "MissionFuzz",
    dependencies: [.package(name: "MissionService", path: "..")],
    targets: ["FuzzHTTP", "FuzzWebSocket", "FuzzJSONL", "FuzzIntent"].map { name in
        .executableTarget(name: name, dependencies: [.product(name: "MissionService", package: "MissionService")])
    },
    swiftLanguageModes: [.v6]
)
