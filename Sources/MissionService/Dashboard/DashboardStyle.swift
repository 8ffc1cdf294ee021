/// The dashboard's CSS. Colours meet WCAG AA contrast on their backgrounds; focus is always
/// visible.
enum DashboardStyle {
    static let css = #"""
    :root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b57d0; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: #f6f6f4; }
    header { display: flex; align-items: center; justify-content: space-between; padding: .6rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
    h1 { font-size: 1.2rem; margin: 0; }
    h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
    h3 { font-size: .95rem; margin: .9rem 0 .3rem; }
    main { display: grid; grid-template-columns: minmax(260px, 1fr) minmax(300px, 1.3fr) minmax(320px, 1.6fr); gap: .8rem; padding: .8rem; }
    @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
    .panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem; min-width: 0; }
    label { display: block; font-weight: 600; margin: .4rem 0 .2rem; }
    input, select, button { font: inherit; }
    input[type=text], input:not([type]), input[type=password], select { width: 100%; padding: .35rem .45rem; border: 1px solid #767676; border-radius: 4px; }
    button { margin-top: .4rem; padding: .35rem .8rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
    button.secondary, #travel-live, #detail-cancel { background: #fff; color: var(--accent); }
    :focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
    .connection { margin: 0; padding: .2rem .6rem; border-radius: 999px; font-weight: 600; }
    .connection.live { background: #d7f0dc; color: #0d4f1c; }
    .connection.offline { background: #fde2e1; color: #7a1410; }
    .pager { display: flex; flex-wrap: wrap; gap: .3rem; align-items: center; margin-top: .4rem; }
    .pager button { margin: 0; padding: .2rem .5rem; }
    .pager button:disabled { color: #767676; border-color: #b0b0b0; cursor: default; }
    #page-range { flex: 1; text-align: center; font-size: .9em; color: var(--muted); }
    #missions { list-style: none; padding: 0; margin: .6rem 0 0; max-height: 70vh; overflow: auto; }
    #missions li + li { border-top: 1px solid #e4e4e4; }
    #missions button { display: block; width: 100%; text-align: left; margin: 0; padding: .45rem .3rem; background: none; border: 0; color: var(--ink); border-radius: 0; }
    #missions button[aria-current=true] { background: #e8f0fe; }
    .row-top { display: flex; gap: .5rem; align-items: center; }
    .description, .meta { display: block; overflow-wrap: anywhere; }
    .mono { font-family: ui-monospace, monospace; font-size: .85em; }
    .meta { color: var(--muted); font-size: .85em; }
    .badge { display: inline-block; padding: 0 .45rem; border-radius: 4px; font-size: .8rem; font-weight: 700; }
    .badge.queued { background: #e8eaed; color: #202124; }
    .badge.active { background: #d2e3fc; color: #0b3d91; }
    .badge.completed { background: #ceead6; color: #0d4f1c; }
    .badge.failed { background: #fad2cf; color: #7a1410; }
    .badge.cancelled { background: #fef0c3; color: #5c3b00; }
    #chat-reply { margin-top: .6rem; }
    #chat-reply pre, #detail-result { white-space: pre-wrap; word-break: break-word; background: #f1f3f4; padding: .5rem; border-radius: 4px; max-height: 16rem; overflow: auto; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0; }
    dt { color: var(--muted); }
    dd { margin: 0; }
    .travel input[type=range] { width: 100%; }
    .travel.past { background: #fff8e1; padding: .3rem; border-radius: 4px; }
    ol#detail-timeline { padding-left: 1.4rem; font-size: .9em; }
    """#
}
