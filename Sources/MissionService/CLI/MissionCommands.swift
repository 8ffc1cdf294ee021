/// The table of `mission` commands and their options (CONTRACT §6).
public enum MissionCommands {
    static let data = ArgumentParser.Option.value("--data", "DIR", "Data directory (default ./data, or $MISSION_DATA_DIR).")
    static let json = ArgumentParser.Option.flag("--json", "Print JSON instead of text.")
    static let allowCommand = ArgumentParser.Option.value("--allow-command", "PROGRAM", "Let command missions run PROGRAM (a name on PATH or a path).", repeatable: true)
    static let agent = ArgumentParser.Option.value("--agent", "CMD", "External program that runs agent missions (JSON lines protocol, see README).")

    public static let parser = ArgumentParser(commands: [
        .init(name: "serve", summary: "Run the service: recover and execute queued missions until SIGINT/SIGTERM.",
              options: [data,
                        .value("--workers", "N", "Missions run at once (default 4)."),
                        .value("--grace-seconds", "S", "On SIGINT/SIGTERM, how long running missions may finish (default 10)."),
                        .value("--checkpoint-every", "N", "Write a checkpoint each N records (default 100000)."),
                        allowCommand, agent],
              details: "Missions left queued or active by an earlier run are resumed. On shutdown a mission still\nrunning after the grace period is recorded back as queued (reason interrupted) and resumes\nafter restart. The HTTP/WebSocket listener is not part of this build yet (see README)."),
        .init(name: "run", summary: "Run one mission in this process and print its whiteboard.",
              arguments: [("OBJECTIVE", true)],
              options: [.value("--type", "T", "Objective type: echo (default; fetch when OBJECTIVE has an http(s) URL), command, agent."),
                        .value("--allowed-domain", "D", "Domain the mission may contact.", repeatable: true),
                        .value("--max-pages", "N", "Most pages a fetch mission reads (default 1)."),
                        .value("--timeout", "S", "max_duration_seconds of each attempt (default 30)."),
                        .value("--max-attempts", "N", "Attempts before the mission fails (default 3)."),
                        .value("--priority", "P", "Higher runs sooner (default 0)."),
                        allowCommand, agent, data, json],
              details: "Progress goes to stderr as it happens; the final whiteboard to stdout.\nExit status: 0 completed, 1 failed or cancelled, 130 interrupted (the mission goes back to queued)."),
        .init(name: "chat", summary: "Send a chat message: it becomes a mission (or an answer); prints the envelope.",
              arguments: [("MESSAGE", true)],
              options: [.value("--session", "ID", "Session to continue (a new one is made and printed when absent)."),
                        .value("--policy", "P", "Double-texting policy for this message: enqueue, reject or interrupt."),
                        .value("--idempotency-key", "K", "Repeat-safe key: the same key answers with the first envelope."),
                        data, json],
              details: "Works in-process on a data directory no server is using; the mission it creates runs when\n`mission serve` runs there. Prints the envelope as pretty JSON (--json: one line).\nExit status 0 for every envelope, 1 when the request was refused (e.g. a reused key)."),
        .init(name: "whiteboard", summary: "Print a mission's whiteboard (its state folded from its events).",
              arguments: [("ID", true)],
              options: [.value("--at-seq", "N", "The whiteboard as it stood after log record N."), data, json],
              details: "Prints pretty JSON; --json prints it on one line."),
        .init(name: "list", summary: "List missions, newest first.",
              options: [.value("--status", "S", "Only queued, active, completed, failed or cancelled."),
                        .value("--limit", "N", "At most N missions (default 50)."),
                        .value("--offset", "N", "Skip the first N (default 0)."),
                        data, json]),
        .init(name: "tail", summary: "Print log records: the last 10, or from --since, optionally following.",
              arguments: [("missions|signals", false)],
              options: [.flag("--follow", "Keep printing records as they are appended."),
                        .value("--mission", "ID", "Only this mission's records."),
                        .value("--since", "N", "Records with seq > N (--since 0: all)."),
                        data, .flag("--json", "Print records exactly as stored.")]),
        .init(name: "cancel", summary: "Cancel a queued or running mission (on a data directory no server is using).",
              arguments: [("ID", true)], options: [data, json]),
        .init(name: "verify", summary: "Check both logs: JSON, seq, legal status transitions, torn tail.",
              options: [.flag("--repair", "Set a torn last line aside (the only repair ever made)."), data, json],
              details: "Exit status 0 when both logs are sound, 1 when a problem was found (each is listed)."),
    ])
}
