/// The dashboard's HTML (issue 7): no inline script or style, so that the strict
/// Content-Security-Policy it is served with holds.
enum DashboardPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>Mission Service</title>
      <link rel="icon" href="/favicon.svg" type="image/svg+xml">
      <link rel="stylesheet" href="/dashboard.css">
      <script src="/dashboard.js" defer></script>
    </head>
    <body>
      <header>
        <h1>Mission Service</h1>
        <p id="connection" class="connection offline" role="status" aria-live="polite">connecting…</p>
      </header>
      <main>
        <section aria-labelledby="chat-title" class="panel">
          <h2 id="chat-title">Chat</h2>
          <form id="chat-form">
            <label for="chat-message">Message</label>
            <input id="chat-message" name="message" autocomplete="off" placeholder="echo hello · https://example.com · status m-… · cancel m-…" required>
            <button type="submit">Send</button>
          </form>
          <details id="token-box">
            <summary>Token</summary>
            <label for="token">Bearer token (only if the server needs one; kept for this tab)</label>
            <input id="token" type="password" autocomplete="off">
          </details>
          <div id="chat-reply" aria-live="polite"></div>
        </section>
        <section aria-labelledby="missions-title" class="panel">
          <h2 id="missions-title">Missions <span id="missions-count"></span></h2>
          <label for="status-filter">Status</label>
          <select id="status-filter">
            <option value="">all</option>
            <option>queued</option><option>active</option><option>completed</option><option>failed</option><option>cancelled</option>
          </select>
          <nav class="pager" aria-label="Pages of missions">
            <button type="button" id="page-newest" class="secondary">Newest</button>
            <button type="button" id="page-newer" class="secondary">Newer</button>
            <span id="page-range" aria-live="polite"></span>
            <button type="button" id="page-older" class="secondary">Older</button>
            <button type="button" id="page-oldest" class="secondary">Oldest</button>
          </nav>
          <ul id="missions" aria-label="Missions, newest first"></ul>
        </section>
        <section aria-labelledby="detail-title" class="panel" id="detail-panel">
          <h2 id="detail-title">Mission</h2>
          <p id="detail-empty">Choose a mission in the list.</p>
          <div id="detail" hidden>
            <p><span id="detail-id" class="mono"></span> <span id="detail-status" class="badge"></span>
               <button type="button" id="detail-cancel">Cancel mission</button>
               <span id="detail-actions"><button type="button" data-action="approve" hidden>Approve</button>
               <button type="button" data-action="reject" hidden>Reject</button>
               <button type="button" data-action="pause" hidden>Pause</button>
               <button type="button" data-action="resume" hidden>Resume</button>
               <button type="button" data-action="rerun" hidden>Rerun</button></span></p>
            <p id="detail-objective"></p>
            <dl id="detail-facts"></dl>
            <div class="travel">
              <label for="travel">Time travel: the whiteboard as it stood at seq <output id="travel-seq" for="travel"></output></label>
              <input type="range" id="travel" min="0" max="0" step="1" value="0">
              <button type="button" id="travel-live">Back to live</button>
            </div>
            <h3>Progress</h3>
            <p id="detail-progress"></p>
            <h3>Artifacts</h3>
            <ul id="detail-artifacts"></ul>
            <h3>Result</h3>
            <pre id="detail-result"></pre>
            <h3>Timeline</h3>
            <ol id="detail-timeline"></ol>
          </div>
        </section>
      </main>
    </body>
    </html>
    """#
}
