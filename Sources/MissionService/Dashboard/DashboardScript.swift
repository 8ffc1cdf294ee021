/// The dashboard's JavaScript: plain, no build step. It keeps the missions list and the open
/// mission live over `/ws`, and on reconnect resumes each room from the last seq it applied,
/// so that no event is missed or applied twice. Every value is put in the page as text.
enum DashboardScript {
    static let js = #"""
    "use strict";
    const $ = (id) => document.getElementById(id);
    const state = { missions: new Map(), seq: 0, selected: null, detailSeq: 0, timeline: [], ws: null, retry: 500, travelling: false };
    const terminal = new Set(["completed", "failed", "cancelled"]);

    function token() { return sessionStorage.getItem("mission-token") || ""; }
    function headers() {
      const h = { "Content-Type": "application/json" };
      if (token()) h["Authorization"] = "Bearer " + token();
      return h;
    }
    function el(tag, props, ...children) {
      const node = document.createElement(tag);
      Object.assign(node, props || {});
      for (const child of children) node.append(child);
      return node;
    }
    function age(timestamp) {
      if (!timestamp) return "";
      const seconds = Math.max(0, Math.round((Date.now() - Date.parse(timestamp)) / 1000));
      if (seconds < 60) return seconds + " s ago";
      if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
      return Math.round(seconds / 3600) + " h ago";
    }

    // Connection: one WebSocket; on close, reconnect with backoff and resume from the seqs applied.
    function connect() {
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
      state.ws = ws;
      ws.onopen = () => {
        state.retry = 500;
        setConnection(true);
        ws.send(JSON.stringify(state.seq > 0 ? { op: "subscribe", room: "missions", since: state.seq } : { op: "subscribe", room: "missions" }));
        if (state.selected) subscribeDetail();
        if (token()) ws.send(JSON.stringify({ op: "auth", token: token() }));
      };
      ws.onmessage = (message) => handle(JSON.parse(message.data));
      ws.onclose = () => {
        setConnection(false);
        setTimeout(connect, state.retry);
        state.retry = Math.min(state.retry * 2, 5000);
      };
    }
    function setConnection(live) {
      const node = $("connection");
      node.textContent = live ? "live" : "reconnecting…";
      node.className = "connection " + (live ? "live" : "offline");
      node.dataset.state = live ? "live" : "offline";
    }
    function subscribeDetail() {
      const room = "mission:" + state.selected;
      state.ws.send(JSON.stringify(state.detailSeq > 0 ? { op: "subscribe", room, since: state.detailSeq } : { op: "subscribe", room }));
    }

    function handle(message) {
      if (message.type === "snapshot" && message.room === "missions") {
        state.missions.clear();
        for (const summary of message.missions) state.missions.set(summary.mission_id, summary);
        state.seq = message.seq;
        renderList();
      } else if (message.type === "event" && message.room === "missions") {
        if (message.seq <= state.seq) return;  // already applied (never happens with `since`, but cheap to check)
        state.seq = message.seq;
        apply(message.event);
        renderList();
      } else if (message.room && message.room === "mission:" + state.selected) {
        if (message.type === "snapshot") {
          state.detailSeq = message.seq;
          if (message.whiteboard) showWhiteboard(message.whiteboard, true);
        } else if (message.type === "event" && message.seq > state.detailSeq) {
          state.detailSeq = message.seq;
          refreshDetail();
        }
      }
    }

    // The list is a fold of the records too: the same rules as the server's summaries.
    function apply(record) {
      const id = record.mission_id;
      if (record.event_type === "mission_created") {
        state.missions.set(id, { mission_id: id, status: "queued", objective_type: record.objective.type,
          description: record.objective.description, priority: record.priority, created_at: record.timestamp,
          updated_at: record.timestamp, attempts: 0 });
        return;
      }
      const summary = state.missions.get(id);
      if (!summary) return;
      summary.updated_at = record.timestamp;
      if (record.event_type === "mission_status_update" && !terminal.has(summary.status)) {
        summary.status = record.status;
        if (record.status === "active") summary.attempts = Math.max(summary.attempts, record.attempt || 0);
      }
    }

    function renderList() {
      const filter = $("status-filter").value;
      const list = $("missions");
      const missions = [...state.missions.values()].sort((a, b) => (b.created_at || "").localeCompare(a.created_at || ""));
      const shown = missions.filter((m) => !filter || m.status === filter);
      $("missions-count").textContent = "(" + shown.length + (filter ? " " + filter : "") + ")";
      list.replaceChildren(...shown.slice(0, 500).map((m) => {
        const button = el("button", { type: "button", className: "mission-row" },
          el("span", { className: "row-top" }, el("span", { className: "badge " + m.status, textContent: m.status }),
            el("span", { className: "mono", textContent: m.mission_id })),
          el("span", { className: "description", textContent: (m.objective_type || "?") + ": " + (m.description || "") }),
          el("span", { className: "meta", textContent: age(m.created_at) + " · attempts " + m.attempts }));
        button.dataset.missionId = m.mission_id;
        button.dataset.status = m.status;
        if (m.mission_id === state.selected) button.setAttribute("aria-current", "true");
        button.addEventListener("click", () => select(m.mission_id));
        return el("li", {}, button);
      }));
    }

    function select(id) {
      if (state.selected && state.ws && state.ws.readyState === WebSocket.OPEN) {
        state.ws.send(JSON.stringify({ op: "unsubscribe", room: "mission:" + state.selected }));
      }
      state.selected = id;
      state.detailSeq = 0;
      state.travelling = false;
      renderList();
      if (state.ws && state.ws.readyState === WebSocket.OPEN) subscribeDetail();
    }

    async function refreshDetail() {
      if (state.travelling || !state.selected) return;
      const response = await fetch("/api/whiteboard/" + encodeURIComponent(state.selected));
      if (response.ok) showWhiteboard(await response.json(), true);
    }

    function showWhiteboard(board, live) {
      $("detail-empty").hidden = true;
      $("detail").hidden = false;
      $("detail-id").textContent = board.mission_id;
      const status = $("detail-status");
      status.textContent = board.status;
      status.className = "badge " + board.status;
      $("detail-cancel").hidden = terminal.has(board.status) || !live;
      $("detail-objective").textContent = board.objective ? board.objective.type + ": " + board.objective.description : "";
      const facts = [["priority", board.priority], ["attempts", board.attempts], ["created", board.created_at], ["started", board.start_time],
        ["ended", board.end_time], ["duration", board.duration_ms == null ? null : board.duration_ms + " ms"], ["last seq", board.last_seq]];
      $("detail-facts").replaceChildren(...facts.filter((f) => f[1] != null).flatMap((f) => [el("dt", { textContent: f[0] }), el("dd", { textContent: String(f[1]) })]));
      $("detail-progress").textContent = board.progress ? board.progress.phase + ": " + board.progress.message : "—";
      $("detail-artifacts").replaceChildren(...(board.artifacts.length ? [] : [el("li", { textContent: "none" })]), ...board.artifacts.map((a) => {
        const safe = /^https?:\/\//i.test(a.uri);
        return el("li", {}, a.kind + ": ", safe ? el("a", { href: a.uri, textContent: a.uri, rel: "noopener noreferrer" }) : el("span", { textContent: a.uri }));
      }));
      const result = board.execution_result;
      $("detail-result").textContent = result ? (result.success ? result.final_answer : "error: " + (result.error || "")) : "—";
      $("detail-timeline").replaceChildren(...board.timeline.map((t) =>
        el("li", { textContent: "#" + t.seq + " " + t.timestamp + " " + t.event_type.replace("mission_", "") + " " +
          (t.status || t.phase || t.kind || "") + (t.message ? " — " + t.message : "") })));
      if (live) {
        state.timeline = board.timeline.map((t) => t.seq);
        const travel = $("travel");
        travel.max = String(Math.max(0, state.timeline.length - 1));
        travel.value = travel.max;
        $("travel-seq").textContent = String(board.last_seq);
        travel.parentElement.classList.remove("past");
      }
    }

    async function travelTo(index) {
      const seq = state.timeline[index];
      if (seq === undefined || !state.selected) return;
      state.travelling = index < state.timeline.length - 1;
      $("travel-seq").textContent = String(seq);
      $("travel").parentElement.classList.toggle("past", state.travelling);
      const response = await fetch("/api/whiteboard/" + encodeURIComponent(state.selected) + "?at_seq=" + seq);
      if (response.ok) showWhiteboard(await response.json(), !state.travelling);
    }

    async function post(path, body) {
      const response = await fetch(path, { method: "POST", headers: headers(), body: body ? JSON.stringify(body) : undefined });
      if (response.status === 401) $("token-box").open = true;
      return { status: response.status, body: await response.json().catch(() => null) };
    }

    async function sendChat(event) {
      event.preventDefault();
      const input = $("chat-message");
      const { status, body } = await post("/chat/integrated", { message: input.value, session_id: sessionStorage.getItem("mission-session") || undefined });
      const reply = $("chat-reply");
      if (body && body.session_id) sessionStorage.setItem("mission-session", body.session_id);
      const text = body && body.message ? body.message : body && body.error ? body.error.code + ": " + body.error.message : "HTTP " + status;
      reply.replaceChildren(el("p", { textContent: text }), el("pre", { className: "envelope", textContent: JSON.stringify(body, null, 2) }));
      if (status < 300) input.value = "";
      if (body && body.mission_id) select(body.mission_id);
    }

    document.addEventListener("DOMContentLoaded", () => {
      $("token").value = token();
      $("token").addEventListener("change", (e) => {
        sessionStorage.setItem("mission-token", e.target.value);
        if (state.ws && state.ws.readyState === WebSocket.OPEN && e.target.value) state.ws.send(JSON.stringify({ op: "auth", token: e.target.value }));
      });
      $("chat-form").addEventListener("submit", sendChat);
      $("status-filter").addEventListener("change", renderList);
      $("travel").addEventListener("input", (e) => travelTo(Number(e.target.value)));
      $("travel-live").addEventListener("click", () => { state.travelling = false; refreshDetail(); });
      $("detail-cancel").addEventListener("click", async () => {
        const { status, body } = await post("/api/missions/" + encodeURIComponent(state.selected) + "/cancel");
        if (status >= 300 && body && body.error) $("chat-reply").replaceChildren(el("p", { textContent: body.error.code + ": " + body.error.message }));
      });
      setInterval(renderList, 15000);  // ages
      connect();
    });
    """#
}
