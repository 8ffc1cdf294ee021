extension String {
    /// The text on one line (newlines become spaces), cut to `limit` characters with "…" when
    /// longer: for messages and listings that quote what a user or a tool wrote.
    public func oneLine(limit: Int = 200) -> String {
        // By scalar, as Foundation's replacingOccurrences did, but without bridging to NSString.
        let flat = unicodeScalars.contains("\n") ? String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\n" ? " " : $0 })) : self
        return flat.count <= limit ? flat : String(flat.prefix(limit)) + "…"
    }
}
