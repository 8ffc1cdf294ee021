import MissionService
import MissionModel
/// The table of `mission` commands and their options (CONTRACT §6).
public enum MissionCommands {
    /// What `mission --version` prints.
    public static let version = "0.10.0"

    static let data = ArgumentParser.Option.value("--data", "DIR", "Data directory (default ./data, or $MISSION_DATA_DIR).")
    static let json = ArgumentParser.Option.flag("--json", "Print JSON instead of text.")
    static let allowCommand = ArgumentParser.Option.value("--allow-command", "PROGRAM", "Let command missions run PROGRAM (a name on PATH or a path).", repeatable: true)
    static let denyPrivate = ArgumentParser.Option.flag("--deny-private-networks", "Fetch only hosts with public addresses: no loopback, private, link-local (cloud metadata) or unique-local ones.")
    static let agent = ArgumentParser.Option.value("--agent", "CMD", "External program that runs agent missions (JSON lines protocol, see README).")
    static let server = ArgumentParser.Option.value("--server", "URL", "Ask a running `mission serve` (e.g. http://127.0.0.1:8080) instead of reading --data.")
    static let token = ArgumentParser.Option.value("--token", "T", "Bearer token for --server (default $MISSION_TOKEN).")
    static let store = ArgumentParser.Option.value("--store", "URL", "PostgreSQL store of cluster mode: postgres://USER[:PASSWORD]@HOST[:PORT][,HOST2[:PORT2]]/DB[?PARAMS] (default $MISSION_STORE; libpq's PG* variables and .pgpass apply).")

    public static let parser = ArgumentParser(commands: [
        .init(name: "serve", summary: "Run the service: the HTTP API, and queued missions executed until SIGINT/SIGTERM.",
              options: [.value("--host", "H", "Address to listen on (default 127.0.0.1; another needs --token or --insecure; fetch then reaches what this machine reaches: see --deny-private-networks)."),
                        .value("--port", "P", "Port (default 8080; 0 = any free port, printed in the listening line)."),
                        data,
                        .value("--workers", "N", "Missions run at once (default 4)."),
                        .value("--token", "T", "Bearer token every POST must carry (default $MISSION_TOKEN; none: open)."),
                        .value("--read-token", "T", "Bearer token every read needs too, besides /health and the dashboard page (default $MISSION_READ_TOKEN; none: reads open). Needs --token; it changes nothing."),
                        .flag("--insecure", "Allow a non-loopback --host without a token (beware: whoever reaches it can then run missions, and fetch reaches your network)."),
                        .value("--allow-origin", "ORIGIN", "Admit requests from web pages of ORIGIN (e.g. http://app.example:3000), with CORS answers; other sites get 403.", repeatable: true),
                        .value("--allow-host", "NAME", "Answer requests whose Host is NAME too (others: 421 misdirected_request).", repeatable: true),
                        .flag("--access-log", "Log one line per request to stderr."),
                        .value("--grace-seconds", "S", "On SIGINT/SIGTERM, how long running missions may finish (default 10)."),
                        .value("--max-connections", "N", "Connections open at once; more get 503 (default 1024)."),
                        .value("--max-queued", "N", "Missions waiting to run at once; new ones past it get 503 queue_full (default \(ExecutionQueue.defaultCapacity))."),
                        .value("--callback-secret", "S", "Key of the HMAC-SHA256 signature of mission callbacks (default $MISSION_CALLBACK_SECRET; none: callback_url is refused)."),
                        .value("--allow-callback-host", "HOST", "A host that callback_url may name; others are refused.", repeatable: true),
                        .value("--max-per-key", "N", "Missions of one concurrency_key running at once (default \(ExecutionQueue.defaultMaxPerKey))."),
                        .value("--event-loops", "N", "Poll threads that also run their connections (default: one per core; 0: the shared pool runs them)."),
                        .value("--max-body-bytes", "N", "Largest request body (default 1048576; larger: 413)."),
                        .value("--max-header-bytes", "N", "Largest request line + headers (default 32768; larger: 431)."),
                        .value("--header-timeout", "S", "Time for a request's headers to arrive (default 10)."),
                        .value("--max-message-bytes", "N", "Largest WebSocket message (default 1048576; larger: close 1009)."),
                        .value("--slow-consumer-timeout", "S", "Close a WebSocket client that reads nothing this long, 1008 (default 30)."),
                        .value("--idle-timeout", "S", "Close keep-alive connections idle this long (default 60)."),
                        .value("--checkpoint-every", "N", "Write a checkpoint each N records (default 100000)."),
                        store,
                        .value("--node-id", "NAME", "This node's name in a cluster (default HOST:PORT-SUFFIX, the suffix random)."),
                        .value("--lease-seconds", "S", "Cluster mode: how long a node's lease on a running mission lasts unless renewed (default 15)."),
                        allowCommand, agent, denyPrivate],
              details: "Prints `listening on http://HOST:PORT` on stdout when ready; logs go to stderr.\nMissions left queued or active by an earlier run are resumed. On SIGINT/SIGTERM new requests\nget 503, requests in flight finish, and a mission still running after the grace period is\nrecorded back as queued (reason interrupted); it resumes after restart. Exit status 0, or 1 when\nthe disk could not take the last records (they were never acknowledged).\nWith --store (cluster mode), the missions live in that PostgreSQL store instead of --data; every\nnode on the same store answers for every mission. The schema is created or migrated on start."),
        .init(name: "run", summary: "Run one mission in this process and print its whiteboard.",
              arguments: [("OBJECTIVE", true)],
              options: [.value("--type", "T", "Objective type: echo (default; fetch when OBJECTIVE has an http(s) URL), command, agent."),
                        .value("--allowed-domain", "D", "Domain the mission may contact.", repeatable: true),
                        .value("--max-pages", "N", "Most pages a fetch mission reads (default 1)."),
                        .value("--timeout", "S", "max_duration_seconds of each attempt (default 30)."),
                        .value("--max-attempts", "N", "Attempts before the mission fails (default 3)."),
                        .value("--priority", "P", "Higher runs sooner (default 0)."),
                        allowCommand, agent, denyPrivate, data, json],
              details: "Progress goes to stderr as it happens; the final whiteboard to stdout.\nExit status: 0 completed, 1 failed or cancelled, 130 interrupted (the mission goes back to queued)."),
        .init(name: "chat", summary: "Send a chat message: it becomes a mission (or an answer); prints the envelope.",
              arguments: [("MESSAGE", true)],
              options: [.value("--session", "ID", "Session to continue (a new one is made and printed when absent)."),
                        .value("--policy", "P", "Double-texting policy for this message: enqueue, reject or interrupt."),
                        .value("--idempotency-key", "K", "Repeat-safe key: the same key answers with the first envelope."),
                        data, server, token, json],
              details: "With --server, asks that server (POST /chat/integrated). Without it, works in-process on a data\ndirectory no server is using; the mission it creates runs when `mission serve` runs there.\nPrints the envelope as pretty JSON (--json: one line).\nExit status 0 for every envelope, 1 when the request was refused (e.g. a reused key)."),
        .init(name: "whiteboard", summary: "Print a mission's whiteboard (its state folded from its events).",
              arguments: [("ID", true)],
              options: [.value("--at-seq", "N", "The whiteboard as it stood after log record N."), data, store, server, json],
              details: "Prints pretty JSON; --json prints it on one line."),
        .init(name: "list", summary: "List missions, newest first.",
              options: [.value("--status", "S", "Only queued, active, completed, failed or cancelled."),
                        .value("--limit", "N", "At most N missions (default 50)."),
                        .value("--offset", "N", "Skip the first N (default 0)."),
                        data, store, server, json]),
        .init(name: "tail", summary: "Print log records: the last 10, or from --since, optionally following.",
              arguments: [("missions|signals", false)],
              options: [.flag("--follow", "Keep printing records as they are appended."),
                        .value("--mission", "ID", "Only this mission's records."),
                        .value("--since", "N", "Records with seq > N (--since 0: all)."),
                        data, store, server, token, .flag("--json", "Print records exactly as stored.")],
              details: "With --server, reads a running server over its WebSocket (/ws) instead of the files; with --store,\nthe cluster store (following it with --follow)."),
        .init(name: "cancel", summary: "Cancel a queued or running mission (--server, or a data directory no server is using).",
              arguments: [("ID", true)], options: [data, server, token, json]),
        .init(name: "verify", summary: "Check both logs: JSON, seq, legal status transitions, torn tail.",
              options: [.flag("--repair", "Set a torn last line aside (a damaged middle is `mission repair`'s, offline)."), data, store, json],
              details: "Exit status 0 when both logs are sound, 1 when a problem was found (each is listed).\nWith --store, checks the cluster store's logs the same way, and that their seqs have no gap."),
        .init(name: "repair", summary: "Rewrite a damaged log, keeping every good record at its seq (the service stopped).",
              options: [data, json],
              details: "Each damaged line becomes a record_lost placeholder with the same seq, so that every later record\nkeeps its seq; so does a seq no line holds (a line removed by hand). A record whose seq was already\ntaken, and a torn last line, are left out. The new log replaces the old by rename; the original is\nkept beside it as FILE.before-repair-TIME. The checkpoint is removed (the log is replayed once).\nRefuses while another process (a `mission serve`) holds the data directory."),
        .init(name: "migrate", summary: "Create or migrate the schema of a PostgreSQL store (cluster mode), as a node does on start.",
              options: [store, json],
              details: "Safe to run while nodes run, and from several places at once: migrations take turns under a lock.\nExit status 0 when the schema is current, 1 when the store is unreachable or its schema is newer\nthan this build knows. Needs libpq (Debian: apt-get install libpq5); MISSION_LIBPQ names another file."),
        .init(name: "export", summary: "Print a cluster store's log as JSON Lines, exactly as `mission serve --data` writes it.",
              arguments: [("missions|signals", false)], options: [store],
              details: "Every record in seq order, one per line (missions by default). The output is a log file like\nmissions.jsonl: `mission verify`, `tail` and `whiteboard --at-seq` read it in a data directory."),
        .init(name: "import", summary: "Copy a data directory's logs into an empty cluster store, keeping every seq.",
              options: [data, store, json],
              details: "The store must hold no record yet (its schema is created if needed); the data directory must not be\nin use. Everything goes in one transaction: on any error the store is left empty. The claims of\nthe missions (idempotency keys, and the dedup keys of open missions) come along."),
    ])
}
