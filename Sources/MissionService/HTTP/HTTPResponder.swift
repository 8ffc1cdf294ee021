/// What answers requests: the server calls it once per request, in order per connection.
public protocol HTTPResponder: Sendable {
    nonisolated(nonsending) func respond(to request: HTTPRequest) async -> HTTPResponse
}
