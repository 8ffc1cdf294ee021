import MissionService

/// libFuzzer's entry: the intent classifier, on every input it makes up.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzChecks.intentClassifier(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
