/**
 * The answer page's only style sheet, inlined in every page and allowed by its hash in the
 * Content-Security-Policy (no other style, no script at all). Everything a page needs comes
 * in one response: nothing loads later, so nothing moves once the page is shown (no web
 * fonts, no images). System fonts; light and dark follow the system; at 320 px wide every
 * control spans the width and every tap target is at least 48 px high.
 *
 * Colours meet WCAG AA contrast (4.5:1 for text) in both schemes.
 */
export const STYLE = `
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--text:#16181d;--muted:#4b5260;--line:#c9ced6;
--field:#fff;--accent:#1d4ed8;--accent-text:#fff;--danger:#b91c1c;--danger-text:#fff;--link:#1d4ed8;
--ok:#166534;--ok-bg:#e8f5ec;--warn-bg:#fdf1e7;--warn:#8a3c00;--error:#b91c1c;--error-bg:#fdecec;
--focus:#f59e0b;--pill:#e5e7eb;--pill-high:#fde2e2;--pill-high-text:#8f1414}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#1a1d23;--text:#e8eaee;--muted:#aab1bd;
--line:#3a404b;--field:#12151a;--accent:#2563eb;--accent-text:#fff;--danger:#c62828;--danger-text:#fff;
--link:#93c5fd;--ok:#86efac;--ok-bg:#12281a;--warn-bg:#2d1f12;--warn:#fdba74;--error:#fca5a5;
--error-bg:#2e1517;--focus:#fbbf24;--pill:#2b3039;--pill-high:#4a1d1d;--pill-high-text:#fecaca}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:36rem;margin:0 auto;padding:1rem .75rem 2rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1.25rem 1rem}
.meta{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:0 0 .75rem;color:var(--muted);font-size:.9375rem}
.channel{font-weight:600}
.pill{display:inline-block;padding:.125rem .625rem;border-radius:999px;background:var(--pill);color:var(--text);font-size:.875rem;font-weight:600}
.pill-high{background:var(--pill-high);color:var(--pill-high-text)}
h1{font-size:1.375rem;line-height:1.3;margin:0 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.125rem;margin:1.25rem 0 .5rem}
.body{overflow-wrap:anywhere}
.body>:first-child{margin-top:0}
.body pre{overflow-x:auto;padding:.75rem;border-radius:.5rem;background:var(--bg)}
.body code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9375em}
.body blockquote{margin:0;padding-left:.75rem;border-left:3px solid var(--line);color:var(--muted)}
a{color:var(--link);text-underline-offset:.15em}
.expiry{margin:1rem 0 0;color:var(--muted);font-size:.9375rem}
form{margin:1.25rem 0 0}
.field{margin:0 0 1rem}
.field>label,.field>.label{display:block;font-weight:600;margin:0 0 .375rem}
input[type=text],input[type=number],select,textarea{display:block;width:100%;min-height:3rem;padding:.625rem .75rem;
font:inherit;color:var(--text);background:var(--field);border:1px solid var(--line);border-radius:.5rem}
textarea{min-height:6.5rem;resize:vertical}
.field>label.toggle{display:flex;align-items:center;gap:.75rem;min-height:3rem;margin:0;padding:.25rem 0;font-weight:600;cursor:pointer}
.toggle input{width:1.5rem;height:1.5rem;margin:0;flex:none;accent-color:var(--accent)}
.hint{display:block;color:var(--muted);font-size:.875rem;margin:-.25rem 0 .375rem}
[aria-invalid=true]{border-color:var(--error);border-width:2px}
.field-error{display:block;color:var(--error);font-weight:600;margin:.375rem 0 0}
.actions{display:flex;flex-direction:column;gap:.625rem;margin-top:1.25rem}
.btn{display:flex;align-items:center;justify-content:center;width:100%;min-height:3rem;padding:.625rem 1rem;
font:inherit;font-weight:600;text-align:center;text-decoration:none;border-radius:.5rem;border:2px solid transparent;cursor:pointer}
.btn-primary{background:var(--accent);color:var(--accent-text)}
.btn-destructive{background:var(--danger);color:var(--danger-text)}
.btn-secondary{background:transparent;color:var(--text);border-color:var(--line)}
.btn-link{background:transparent;color:var(--link);border-color:var(--line);text-decoration:underline}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.links{list-style:none;margin:1.25rem 0 0;padding:0;display:flex;flex-direction:column;gap:.625rem}
.notice{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;background:var(--error-bg);color:var(--error)}
.notice p{margin:0}
.notice ul{margin:.25rem 0 0;padding-left:1.25rem}
.notice a{color:inherit}
.status{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;font-weight:600}
.status-ok{background:var(--ok-bg);color:var(--ok)}
.status-warn{background:var(--warn-bg);color:var(--warn)}
dl.answer{margin:1rem 0 0;display:grid;grid-template-columns:minmax(0,auto) minmax(0,1fr);gap:.375rem 1rem}
dl.answer dt{color:var(--muted)}
dl.answer dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.foot{margin:1.25rem 0 0;color:var(--muted);font-size:.875rem;text-align:center}
`
	.trim()
	.replace(/\n/g, '');
