extension HTTPRequestParser {
    /// Everything a parser says about `chunks` fed in order, up to its first error or the
    /// `needMoreData` after the last chunk: for tests and fuzzing, which compare splits of one
    /// input.
    static func steps(of chunks: [[UInt8]], limits: Limits = Limits()) -> [Step] {
        var parser = HTTPRequestParser(limits: limits)
        var steps: [Step] = []
        for chunk in chunks {
            parser.append(chunk)
            while true {
                let step = parser.next()
                if step == .needMoreData { break }
                steps.append(step)
                if case .error = step { return steps }
            }
        }
        return steps
    }

    /// Adjacent body pieces merged: how a body is cut into steps may follow the input split.
    static func mergingBodies(_ steps: [Step]) -> [Step] {
        var merged: [Step] = []
        for step in steps {
            if case .body(let more) = step, case .body(let earlier)? = merged.last {
                merged[merged.count - 1] = .body(earlier + more)
            } else {
                merged.append(step)
            }
        }
        return merged
    }
}
