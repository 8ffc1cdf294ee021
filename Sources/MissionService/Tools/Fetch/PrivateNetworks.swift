import Glibc

/// `--deny-private-networks`: the fetch tool contacts only hosts whose every address is a
/// public one, so that a mission (or whoever may submit one) cannot use the server to reach
/// its own machine or the network behind it (loopback, RFC 1918, link-local, CGNAT, unique
/// local IPv6). Checked before each request and each redirect hop. The name is resolved
/// again by the HTTP client, so a DNS server that answers differently the second time could
/// still win that race: this narrows the door, a firewall closes it.
enum PrivateNetworks {
    /// The first non-public address `host` resolves to, or nil when all are public. A host
    /// that does not resolve is left to the request itself to report.
    static func privateAddress(of host: String) -> String? {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let entry = current {
            if let address = entry.pointee.ai_addr, let text = Self.privateText(address) { return text }
            current = entry.pointee.ai_next
        }
        return nil
    }

    private static func privateText(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let v4 = UnsafeRawPointer(address).load(as: sockaddr_in.self)
            let bytes = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
            return isPrivate(v4: bytes) ? bytes.map(String.init).joined(separator: ".") : nil
        case AF_INET6:
            let v6 = UnsafeRawPointer(address).load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
            return isPrivate(v6: bytes) ? "IPv6 " + stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") : nil
        default:
            return nil
        }
    }

    static func isPrivate(v4 b: [UInt8]) -> Bool {
        b[0] == 0 || b[0] == 10 || b[0] == 127                 // this network, RFC 1918, loopback
            || (b[0] == 172 && (16...31).contains(b[1]))      // RFC 1918
            || (b[0] == 192 && b[1] == 168)                    // RFC 1918
            || (b[0] == 169 && b[1] == 254)                    // link-local (cloud metadata)
            || (b[0] == 100 && (64...127).contains(b[1]))     // carrier-grade NAT
            || b[0] >= 224                                     // multicast, reserved
    }

    static func isPrivate(v6 b: [UInt8]) -> Bool {
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return isPrivate(v4: Array(b[12..<16])) }  // v4-mapped
        if b[0..<15].allSatisfy({ $0 == 0 }) { return true }   // :: and ::1
        return b[0] & 0xFE == 0xFC                             // unique local fc00::/7
            || (b[0] == 0xFE && b[1] & 0xC0 == 0x80)           // link-local fe80::/10
            || b[0] == 0xFF                                    // multicast
    }
}
