/// The dashboard's JavaScript: plain, no build step. The missions list is one page of
/// `GET /api/missions` (filtered and counted by the server, so that it holds for any number of
/// missions), fetched again when the `missions` room says something changed; the open mission
/// is live over `mission:ID`. On reconnect each room resumes from the last seq it applied, so
/// that no event is missed or applied twice. Every value is put in the page as text.
enum DashboardScript {
    static let js = #"""
    "use strict";
    const $ = (id) => document.getElementById(id);
    const PAGE = 50;
    // before: the cursor the list page was read by (null: by offset); cursors: those of the
    // pages before it, for Newer.
    const state = { rows: [], total: 0, offset: 0, before: null, cursors: [], nextBefore: null,
                    load: 0, loadTimer: null, seq: 0, selected: null, detailSeq: 0, timeline: [],
                    ws: null, retry: 500, travelling: false };
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
        // First: with a read token set, the server answers nothing else until it has one.
        if (token()) ws.send(JSON.stringify({ op: "auth", token: token() }));
        // The list comes from the API; the room only says when it changed. A first connection
        // subscribes from the seq of its hello (no snapshot); a reconnection from the last seq seen.
        if (state.seq > 0) ws.send(JSON.stringify({ op: "subscribe", room: "missions", since: state.seq }));
        if (state.selected) subscribeDetail();
        loadPage();
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
      if (message.type === "hello" && state.seq === 0) {
        state.seq = message.seq;
        state.ws.send(JSON.stringify({ op: "subscribe", room: "missions", since: message.seq }));
      } else if (message.type === "event" && message.room === "missions") {
        if (message.seq <= state.seq) return;  // already seen (never happens with `since`, but cheap to check)
        state.seq = message.seq;
        scheduleLoad();
      } else if (message.type === "error" && message.code === "gone") {
        // Retention dropped records this page had yet to see (a long disconnection): go on from
        // the first kept seq, the open mission from a fresh snapshot, the list read again.
        state.seq = message.first_seq - 1;
        state.ws.send(JSON.stringify({ op: "subscribe", room: "missions", since: state.seq }));
        state.detailSeq = 0;
        if (state.selected) subscribeDetail();
        loadPage();
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

    // The list: one page from the server, which filters and counts over every mission.
    async function loadPage() {
      const ticket = ++state.load;
      // Older pages come by cursor (the server skips to it at any depth); a jump to the
      // oldest page, and the pages after it, by offset.
      const params = new URLSearchParams({ limit: String(PAGE) });
      if (state.before !== null) params.set("before", String(state.before));
      else params.set("offset", String(state.offset));
      const filter = $("status-filter").value;
      if (filter) params.set("status", filter);
      const response = await fetch("/api/missions?" + params, { headers: headers() }).catch(() => null);
      // Reads need a token on this server (--read-token): ask for one.
      if (response && response.status === 401) $("token-box").open = true;
      if (!response || !response.ok || ticket !== state.load) return;
      const body = await response.json();
      if (ticket !== state.load) return;
      if (body.missions.length === 0 && state.offset > 0 && body.total > 0) {
        // The page ran past the end (a filter matches fewer now, or retention dropped what
        // a cursor pointed into): show the last one.
        state.offset = Math.floor((body.total - 1) / PAGE) * PAGE;
        state.before = null;
        state.cursors = [];
        return loadPage();
      }
      state.rows = body.missions;
      state.total = body.total;
      state.nextBefore = body.next_before;
      renderList();
    }
    // Many events at once cost one fetch: the page is fetched again at most four times a second.
    function scheduleLoad() {
      if (state.loadTimer) return;
      state.loadTimer = setTimeout(() => { state.loadTimer = null; loadPage(); }, 250);
    }
    function goTo(offset) {
      state.offset = Math.max(0, offset);
      state.before = null;
      state.cursors = [];
      loadPage();
    }
    // One page older: by the cursor the server gave, remembering where this page began.
    function older() {
      if (state.nextBefore === null) return;
      state.cursors.push({ before: state.before, offset: state.offset });
      state.before = state.nextBefore;
      state.offset += PAGE;
      loadPage();
    }
    function newer() {
      const previous = state.cursors.pop();
      if (!previous) return goTo(state.offset - PAGE);
      state.before = previous.before;
      state.offset = previous.offset;
      loadPage();
    }

    function renderList() {
      const filter = $("status-filter").value;
      const list = $("missions");
      const count = state.total.toLocaleString("en");
      $("missions-count").textContent = "(" + count + (filter ? " " + filter : "") + ")";
      const first = state.rows.length ? state.offset + 1 : 0;
      $("page-range").textContent = state.total === 0 ? "none" :
        first.toLocaleString("en") + "–" + (state.offset + state.rows.length).toLocaleString("en") + " of " + count;
      $("page-newest").disabled = $("page-newer").disabled = state.offset === 0;
      $("page-older").disabled = $("page-oldest").disabled = state.nextBefore === null;
      list.replaceChildren(...state.rows.map((m) => {
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
      const response = await fetch("/api/whiteboard/" + encodeURIComponent(state.selected), { headers: headers() });
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
      // The operator's actions (CONTRACT §9) that apply now, read from the records.
      const said = (reason) => board.timeline.filter((t) => ["paused", "resumed", "approved"].includes(t.message)).map((t) => t.message).lastIndexOf(reason);
      const paused = said("paused") > said("resumed");
      const queued = board.status === "queued";
      const applies = { approve: queued && board.requires_approval && said("approved") < 0, pause: queued && !paused, resume: queued && paused,
        rerun: terminal.has(board.status) };
      applies.reject = applies.approve;
      for (const button of $("detail-actions").querySelectorAll("button")) button.hidden = !live || !applies[button.dataset.action];
      $("detail-objective").textContent = board.objective ? board.objective.type + ": " + board.objective.description : "";
      const facts = [["priority", board.priority], ["attempts", board.attempts], ["created", board.created_at], ["started", board.start_time],
        ["ended", board.end_time], ["duration", board.duration_ms == null ? null : board.duration_ms + " ms"], ["last seq", board.last_seq],
        ["waiting for", board.waiting_for], ["run at", board.run_at], ["rerun of", board.parent_id]];
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
      const response = await fetch("/api/whiteboard/" + encodeURIComponent(state.selected) + "?at_seq=" + seq, { headers: headers() });
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
        loadPage();
      });
      $("chat-form").addEventListener("submit", sendChat);
      $("status-filter").addEventListener("change", () => goTo(0));
      $("page-newest").addEventListener("click", () => goTo(0));
      $("page-newer").addEventListener("click", newer);
      $("page-older").addEventListener("click", older);
      $("page-oldest").addEventListener("click", () => goTo(Math.floor(Math.max(0, state.total - 1) / PAGE) * PAGE));
      $("travel").addEventListener("input", (e) => travelTo(Number(e.target.value)));
      $("travel-live").addEventListener("click", () => { state.travelling = false; refreshDetail(); });
      $("detail-cancel").addEventListener("click", async () => {
        const { status, body } = await post("/api/missions/" + encodeURIComponent(state.selected) + "/cancel");
        if (status >= 300 && body && body.error) $("chat-reply").replaceChildren(el("p", { textContent: body.error.code + ": " + body.error.message }));
      });
      $("detail-actions").addEventListener("click", async (event) => {
        const action = event.target.dataset && event.target.dataset.action;
        if (!action || !state.selected) return;
        const { status, body } = await post("/api/missions/" + encodeURIComponent(state.selected) + "/" + action);
        if (status >= 300 && body && body.error) $("chat-reply").replaceChildren(el("p", { textContent: body.error.code + ": " + body.error.message }));
        else if (action === "rerun" && body && body.mission_id) select(body.mission_id);
        else refreshDetail();
      });
      setInterval(renderList, 15000);  // ages
      connect();
    });
    """#
}
