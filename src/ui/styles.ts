// The one stylesheet, served at /assets/edge-sso.css (CSP allows only same-origin styles).
export const STYLESHEET_PATH = '/assets/edge-sso.css';

export const stylesheet = `
:root { --fg:#1d2430; --muted:#5b6472; --line:#d9dee5; --bg:#f5f7fa; --card:#fff; --accent:#2456d6; --accent-fg:#fff; --danger:#b42318; --ok:#067647; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 28rem; margin: 8vh auto; padding: 0 1rem; }
main.wide { max-width: 44rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:2rem; box-shadow:0 1px 2px rgba(16,24,40,.05); }
.brand { font-weight:600; color:var(--muted); font-size:.9rem; letter-spacing:.02em; margin:0 0 1.25rem; }
h1 { font-size:1.5rem; line-height:1.25; margin:0 0 .5rem; }
p { margin:.5rem 0 1rem; }
.muted { color:var(--muted); font-size:.9rem; }
label { display:block; font-weight:600; margin:1rem 0 .35rem; }
input[type=email], input[type=password], input[type=text] { width:100%; padding:.7rem .8rem; font:inherit; border:1px solid var(--line); border-radius:8px; background:#fff; }
input:focus-visible, button:focus-visible, a:focus-visible { outline:3px solid color-mix(in srgb, var(--accent) 40%, transparent); outline-offset:2px; }
button, .button { display:inline-block; width:100%; margin-top:1.5rem; padding:.75rem 1rem; font:inherit; font-weight:600; border:0; border-radius:8px; background:var(--accent); color:var(--accent-fg); cursor:pointer; text-align:center; text-decoration:none; }
.alert { border-radius:8px; padding:.75rem 1rem; margin:1rem 0; background:#fef3f2; color:var(--danger); border:1px solid #fecdca; }
.notice { border-radius:8px; padding:.75rem 1rem; margin:1rem 0; background:#ecfdf3; color:var(--ok); border:1px solid #abefc6; }
code, .url { font-family: ui-monospace,SFMono-Regular,Menlo,monospace; font-size:.85rem; word-break:break-all; }
ul.urls { padding-left:1.2rem; }
footer { text-align:center; margin-top:1.5rem; }
a { color:var(--accent); }
@media (max-width: 480px) { main { margin: 1rem auto; } .card { padding:1.25rem; } }
`;
