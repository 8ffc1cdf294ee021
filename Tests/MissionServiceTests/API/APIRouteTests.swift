import Testing
@testable import MissionService

@Suite struct APIRouteTests {
    @Test(arguments: [
        ("/chat/integrated", APIRoute.chat as APIRoute?),
        ("/api/missions", .missions),
        ("/api/whiteboard/m-1", .whiteboard("m-1")),
        ("/api/whiteboard/m%2D1", .whiteboard("m-1")),
        ("/api/missions/m-1/events", .events("m-1")),
        ("/api/missions/m-1/cancel", .cancel("m-1")),
        ("/api/internal/mission-event", .missionEvent),
        ("/health", .health),
        ("/api/missions/m-1/approve", .control("m-1", .approve)),
        ("/api/missions/m-1/resume", .control("m-1", .resume)),
        ("/api/missions/m-1/rerun", .rerun("m-1")),
        ("/api/queue/pause", .queue(paused: true)),
        ("/api/schedules", .schedules),
        ("/api/schedules/sc-1", .schedule("sc-1")),
        ("/api/schedules/sc-1/x", nil),
        ("/api/schedules/", nil),
        ("/metrics", .metrics),
        ("/api/whiteboard/", nil),
        ("/api/whiteboard/m-1/x", nil),
        ("/api/missions/m-1", nil),
        ("/api/missions//events", nil),
        ("/api/missions/m-1/events/x", nil),
        ("/api/missions/m-1/delete", nil),
        ("/health/", nil),
        ("/", .dashboard(.page)),
        ("/dashboard.js", .dashboard(.script)),
        ("/dashboard.jsx", nil),
    ])
    func paths_match_their_route(_ path: String, _ route: APIRoute?) {
        #expect(APIRoute(path: path) == route)
    }
}
