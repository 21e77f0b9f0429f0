import { createHash } from 'node:crypto';
import { STYLE } from '../assets/style';

/**
 * The console's style sheet: the answer page's (the same colours, light and dark, fonts and
 * 48 px controls) plus what an operator's pages need: a wider column, a navigation bar, lists
 * of records, inline forms, values to copy and the attempt timeline. Inlined and allowed by
 * its hash, like the answer page's.
 */
const EXTRA = `
[hidden]{display:none!important}
main.console{max-width:60rem}
.topbar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;margin:0 0 1rem}
.brand{font-weight:700;font-size:1.125rem;margin-right:auto;color:var(--text);text-decoration:none}
.topbar nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
.topbar nav a{display:inline-flex;align-items:center;min-height:3rem;padding:0 .75rem;border-radius:.5rem;color:var(--text);text-decoration:none;font-weight:600}
.topbar nav a[aria-current=page]{background:var(--pill)}
.topbar form{margin:0}
.btn-small{width:auto;min-height:3rem;padding:.375rem .875rem}
.card+.card{margin-top:1rem}
.crumbs{margin:0 0 .75rem;font-size:.9375rem}
.rows{list-style:none;margin:0;padding:0}
.rows>li{padding:.75rem 0;border-top:1px solid var(--line);display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.rows>li:first-child{border-top:0}
.rows .grow{flex:1 1 14rem;min-width:0;overflow-wrap:anywhere}
.rows .sub{display:block;color:var(--muted);font-size:.875rem}
.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:0}
.inline .field{flex:1 1 12rem;margin:0}
.inline .btn{width:auto}
.grid2{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}
.value{display:flex;gap:.5rem;align-items:stretch}
.value input{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem}
.value .btn{width:auto;flex:none}
.swatch{display:inline-block;width:1rem;height:1rem;border-radius:.25rem;border:1px solid var(--line);vertical-align:middle}
.timeline{list-style:none;margin:0;padding:0 0 0 1rem;border-left:3px solid var(--line)}
.timeline li{margin:0 0 .75rem;padding-left:.5rem}
.outcome-delivered,.outcome-sent,.state-answered{color:var(--ok);font-weight:600}
.outcome-failed,.state-failed{color:var(--error);font-weight:600}
.outcome-retrying,.state-pending,.outcome-queued{color:var(--warn);font-weight:600}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1rem 0 0}
.qr{max-width:16rem;background:#fff;padding:.5rem;border-radius:.5rem}
.qr svg{display:block;width:100%;height:auto}
code.id{font-size:.875rem}
input[type=color]{width:4rem;height:3rem;padding:.25rem;border:1px solid var(--line);border-radius:.5rem;background:var(--field)}
input[type=password]{display:block;width:100%;min-height:3rem;padding:.625rem .75rem;font:inherit;color:var(--text);background:var(--field);border:1px solid var(--line);border-radius:.5rem}
`
	.trim()
	.replace(/\n/g, '');

export const CONSOLE_STYLE = STYLE + EXTRA;

/**
 * The console's one script, a progressive enhancement: "Copy" buttons (hidden without
 * JavaScript, where the read-only field can be selected by hand) copy their field's value.
 */
export const COPY_SCRIPT = `document.querySelectorAll('button[data-copy]').forEach(function(b){b.hidden=false;b.addEventListener('click',function(){var f=document.getElementById(b.getAttribute('data-copy'));var done=function(t){b.textContent=t;setTimeout(function(){b.textContent='Copy'},2000)};if(navigator.clipboard){navigator.clipboard.writeText(f.value).then(function(){done('Copied')},function(){f.select();done('Select and copy')})}else{f.select();done('Select and copy')}})})`;

const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

/** The answer page's policy, plus the one script above, allowed by its hash. */
export const CONSOLE_CSP = [
	"default-src 'none'",
	`style-src 'sha256-${hash(CONSOLE_STYLE)}'`,
	`script-src 'sha256-${hash(COPY_SCRIPT)}'`,
	'img-src data:',
	"form-action 'self'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
].join('; ');
