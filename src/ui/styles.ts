// The one stylesheet, served at /assets/edge-sso.css (CSP allows only same-origin styles).
export const STYLESHEET_PATH = '/assets/edge-sso.css';

export const stylesheet = `
:root { --fg:#1d2430; --muted:#5b6472; --line:#d9dee5; --bg:#f5f7fa; --card:#fff; --accent:#2456d6; --accent-fg:#fff; --danger:#b42318; --ok:#067647; }
* { box-sizing: border-box; }
/* overflow-wrap: a long word (an app's name or description, a URL) breaks where it must rather than widen the page on a phone; table cells opt out (console styles). */
body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); overflow-wrap:anywhere; }
main { max-width: 28rem; margin: 8vh auto; padding: 0 1rem; }
main.wide { max-width: 44rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:2rem; box-shadow:0 1px 2px rgba(16,24,40,.05); }
.brand img.logo { display:block; max-height:40px; max-width:200px; margin-bottom:.5rem; }
img.logo-preview { max-height:40px; max-width:200px; vertical-align:middle; }
input[type=file] { font:inherit; }
.brand { font-weight:600; color:var(--muted); font-size:.9rem; letter-spacing:.02em; margin:0 0 1.25rem; }
h1 { font-size:1.5rem; line-height:1.25; margin:0 0 .5rem; }
p { margin:.5rem 0 1rem; }
.muted { color:var(--muted); font-size:.9rem; }
label { display:block; font-weight:600; margin:1rem 0 .35rem; }
input[type=email], input[type=password], input[type=text], input[type=number], input[type=url], input[type=search] { width:100%; padding:.7rem .8rem; font:inherit; border:1px solid var(--line); border-radius:8px; background:#fff; }
input:focus-visible, button:focus-visible, a:focus-visible { outline:3px solid color-mix(in srgb, var(--accent) 40%, transparent); outline-offset:2px; }
button, .button { display:inline-block; width:100%; margin-top:1.5rem; padding:.75rem 1rem; font:inherit; font-weight:600; border:0; border-radius:8px; background:var(--accent); color:var(--accent-fg); cursor:pointer; text-align:center; text-decoration:none; }
.alert { border-radius:8px; padding:.75rem 1rem; margin:1rem 0; background:#fef3f2; color:var(--danger); border:1px solid #fecdca; }
.notice { border-radius:8px; padding:.75rem 1rem; margin:1rem 0; background:#ecfdf3; color:var(--ok); border:1px solid #abefc6; }
code, .url { font-family: ui-monospace,SFMono-Regular,Menlo,monospace; font-size:.85rem; word-break:break-all; }
ul.urls { padding-left:1.2rem; }
ul.app-list { list-style:none; padding:0; margin:1rem 0; }
ul.app-list li { border:1px solid var(--line); border-radius:8px; padding:.75rem 1rem; margin:.5rem 0; }
ul.app-list a { font-weight:600; display:block; }
footer { text-align:center; margin-top:1.5rem; }
a { color:var(--accent); }
@media (max-width: 480px) { main { margin: 1rem auto; } .card { padding:1.25rem; } }
`;

/** The console's additions: navigation, tables, tabs, notes next to fields. */
export const consoleStylesheet = `
.console-header { background:#fff; border-bottom:1px solid var(--line); }
.console-header .inner { max-width:84rem; margin:0 auto; padding:.75rem 1rem; display:flex; flex-wrap:wrap; gap:.5rem 1.25rem; align-items:center; }
.console-header .product { font-weight:700; margin-right:auto; color:var(--fg); text-decoration:none; }
.skip-link { position:absolute; left:-999px; top:.5rem; background:#fff; padding:.5rem 1rem; border-radius:8px; z-index:1; }
.skip-link:focus { left:.5rem; }
/* The sidebar: a grid column beside the page on wide screens, a "Menu" disclosure above it on phones. */
.console-frame { max-width:84rem; margin:0 auto; padding:0 1rem; display:grid; grid-template-columns:13rem minmax(0, 1fr); gap:2rem; align-items:start; }
.console-menu nav ul { list-style:none; margin:0 0 .75rem; padding:0; }
.console-menu nav a { display:block; padding:.3rem .6rem; border-radius:6px; text-decoration:none; color:var(--fg); }
.console-menu nav a:hover { background:var(--bg); }
.console-menu nav a[aria-current=page] { color:var(--accent); background:color-mix(in srgb, var(--accent) 9%, #fff); font-weight:600; box-shadow:inset 3px 0 0 var(--accent); }
.console-menu .nav-heading { font-size:.75rem; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:1rem .6rem .3rem; }
.console-menu summary { cursor:pointer; font-weight:600; padding:.6rem .8rem; border:1px solid var(--line); border-radius:8px; background:#fff; }
.console-menu { position:sticky; top:1rem; padding:1rem 0; }
/* Wide screens: always open, no toggle. Where ::details-content is unknown the toggle stays, so the menu is never unreachable. */
@supports selector(::details-content) {
  @media (min-width: 801px) {
    .console-menu summary { display:none; }
    .console-menu::details-content { content-visibility:visible; display:block; }
  }
}
@media (max-width: 800px) {
  .console-frame { display:block; }
  .console-menu { position:static; padding:.75rem 0 0; }
  .console-menu[open] nav { background:#fff; border:1px solid var(--line); border-radius:8px; margin-top:.5rem; padding:.25rem .5rem; columns:2 10rem; }
  .console-menu[open] nav ul { break-inside:avoid; }
  .console-menu .nav-heading { break-after:avoid; }
}
.console-main { max-width:none; min-width:0; margin:1.5rem 0; padding:0; }
.console-main .card { margin-bottom:1.25rem; }
.toolbar { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; justify-content:space-between; margin-bottom:1rem; }
.toolbar form { display:flex; gap:.5rem; align-items:center; }
.toolbar input[type=search] { width:auto; padding:.5rem .7rem; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:.55rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
/* Cells keep words whole, so a column is as wide as its longest word and a wide table scrolls inside its .table-wrap;
   a column of free text opts in to wrapping ("anywhere", unlike break-word, lets it shrink the column). */
th, td { overflow-wrap:normal; }
td.wrap { overflow-wrap:anywhere; }
th { font-size:.85rem; color:var(--muted); font-weight:600; }
/* Wide tables scroll sideways; the wrapper is focusable (tabindex=0, a named region) so keyboards can scroll it too. */
.table-wrap { overflow-x:auto; }
button.small, .button.small { width:auto; margin-top:0; padding:.35rem .7rem; font-size:.85rem; }
button.secondary, .button.secondary { background:#fff; color:var(--accent); border:1px solid var(--line); }
button.danger, .button.danger { background:var(--danger); color:#fff; }
.button.inline, button.inline { width:auto; }
.actions { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; margin-top:1rem; }
.actions form { margin:0; }
.actions .button, .actions button { margin-top:0; width:auto; }
.field { margin-bottom:.25rem; }
.field.checkbox { display:flex; gap:.5rem; align-items:center; margin-top:1rem; }
.field.checkbox label { margin:0; font-weight:500; }
textarea, select { width:100%; padding:.6rem .8rem; font:inherit; border:1px solid var(--line); border-radius:8px; background:#fff; }
.field.invalid input, .field.invalid textarea { border-color:var(--danger); }
.hint { color:var(--muted); font-size:.85rem; margin:.25rem 0 0; }
.field-error { color:var(--danger); font-size:.9rem; margin:.25rem 0 0; font-weight:600; }
.tabs { display:flex; gap:1rem; border-bottom:1px solid var(--line); margin:0 0 1rem; }
.tabs a { padding:.5rem .1rem; text-decoration:none; color:var(--muted); }
.tabs a[aria-current=page] { color:var(--accent); border-bottom:2px solid var(--accent); }
dl.details { display:grid; grid-template-columns: minmax(8rem, 12rem) 1fr; gap:.5rem 1rem; margin:0; }
dl.details dt { color:var(--muted); font-weight:600; }
dl.details dd { margin:0; min-width:0; }
.copyable { display:flex; gap:.5rem; align-items:center; flex-wrap:wrap; }
.copyable code { background:var(--bg); padding:.25rem .45rem; border-radius:6px; }
pre { background:#0f172a; color:#e2e8f0; padding:1rem; border-radius:8px; overflow-x:auto; font-size:.85rem; }
.badge { display:inline-block; padding:.05rem .5rem; border-radius:999px; font-size:.8rem; border:1px solid var(--line); }
.badge.ok { color:var(--ok); border-color:#abefc6; background:#ecfdf3; }
.badge.warn { color:#b54708; border-color:#fedf89; background:#fffaeb; }
.badge.off { color:var(--muted); }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
.qr svg { display:block; width:12rem; height:12rem; background:#fff; }
ul.codes { columns:2; list-style:none; padding:0; }
form.passkey { margin:1rem 0; }
fieldset { border:1px solid var(--line); border-radius:8px; margin:1.25rem 0 0; padding:.5rem 1rem 1rem; }
legend { font-weight:600; padding:0 .25rem; }
.choices .choice { display:grid; grid-template-columns:auto 1fr; gap:0 .6rem; align-items:baseline; padding:.6rem 0; border-bottom:1px solid var(--line); }
.choices .choice:last-child { border-bottom:0; }
.choices .choice label { margin:0; }
.choices .choice .hint { grid-column:2; }
h2 { font-size:1.15rem; margin:1.5rem 0 .75rem; }
.card h2:first-child, .toolbar h2 { margin-top:0; }
.pager { display:flex; gap:1rem; justify-content:flex-end; margin-top:1rem; }
@media (max-width: 640px) { dl.details { grid-template-columns: 1fr; } th.optional, td.optional { display:none; } }
.filters { display:grid; grid-template-columns:repeat(auto-fit, minmax(12rem, 1fr)); gap:0 1rem; align-items:end; }
/* The audit detail wraps inside its card, as td.wrap does. */
table.audit td { overflow-wrap:anywhere; word-break:normal; hyphens:none; }
table.audit .time, table.audit .event-type, td.nowrap { white-space:nowrap; }
dl.kv { margin:0; } dl.kv div { margin:0; } dl.kv dt { display:inline; font-weight:600; } dl.kv dd { display:inline; margin:0; }
@media (max-width: 640px) {
  table.audit thead { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
  table.audit tr { display:block; border-bottom:1px solid var(--line); padding:.5rem 0; }
  table.audit td { display:grid; grid-template-columns:7.5rem minmax(0, 1fr); gap:.5rem; border:0; padding:.2rem 0; }
  table.audit td::before { content:attr(data-label); color:var(--muted); font-size:.85rem; font-weight:600; }
}
/* A toolbar's search box and its Add buttons on one line: .actions' own top margin would push the buttons below the box. */
.toolbar .actions { margin-top:0; }
.toolbar select { width:auto; }
p.label { font-weight:600; margin:1rem 0 .35rem; }
table.pairs td { padding:.25rem .5rem .25rem 0; border:0; }
table.pairs input { width:100%; padding:.5rem .7rem; font:inherit; border:1px solid var(--line); border-radius:8px; }
table.pairs td.invalid input { border-color:var(--danger); }
ul.plain { list-style:none; padding:0; margin:0; }
.doc .doc-text { white-space:pre-wrap; }
`;
