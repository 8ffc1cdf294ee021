import MissionService

/// libFuzzer's entry: the JSONL record reader, on every input it makes up.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzChecks.jsonlRecord(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
