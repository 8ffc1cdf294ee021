/// The dashboard's files, served from memory (no external assets, no build step).
public enum DashboardAsset: Equatable, Sendable {
    case page
    case script
    case style
    case icon

    /// Only this server's own files may load or be connected to; nothing inline runs.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// A small mark, so that the browser does not ask for a missing /favicon.ico.
    static let iconSVG = ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0b57d0"/><path d="M4 8.5l2.5 2.5L12 5.5" stroke="#fff" stroke-width="2" fill="none"/></svg>"##

    var path: String {
        switch self {
        case .page: return "/"
        case .script: return "/dashboard.js"
        case .style: return "/dashboard.css"
        case .icon: return "/favicon.svg"
        }
    }

    var response: HTTPResponse {
        let (type, text): (String, String)
        switch self {
        case .page: (type, text) = ("text/html; charset=utf-8", DashboardPage.html)
        case .script: (type, text) = ("text/javascript; charset=utf-8", DashboardScript.js)
        case .style: (type, text) = ("text/css; charset=utf-8", DashboardStyle.css)
        case .icon: (type, text) = ("image/svg+xml", Self.iconSVG)
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", type), ("Content-Security-Policy", Self.contentSecurityPolicy),
                                                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache"),
                                                   ("Referrer-Policy", "no-referrer")],
                            body: Array(text.utf8))
    }
}
