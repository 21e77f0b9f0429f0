import { STYLE } from '../assets/style';

/**
 * The inbox's and the pair page's style sheet: the answer page's (`assets/style.ts`), plus the
 * list. Inline, allowed by its hash in the inbox's Content-Security-Policy. Closed messages are
 * set apart by a dashed border and a plain background, not by fading (faded text would fail
 * the contrast rules).
 */
const INBOX_STYLE = `
.inbox-head h1{margin:0 0 .25rem}
.inbox-head .hint{margin:0 0 .75rem}
.inbox-head .btn{margin:0 0 .75rem}
.live{margin:0;min-height:0;color:var(--muted);font-size:.875rem}
.live:empty{display:none}
.inbox-list{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:1rem}
.msg h2{font-size:1.25rem;line-height:1.3;margin:0 0 .75rem;overflow-wrap:anywhere}
.msg-closed{background:var(--bg);border-style:dashed}
.empty{color:var(--muted)}
.paging{display:flex;flex-direction:column;gap:.625rem;margin:1.25rem 0 0}
.back{margin:1rem 0 0}
.channels{margin:.25rem 0 1rem;padding-left:1.25rem}
.card>h1{margin-bottom:.75rem}
.card+.back{margin-top:1rem}
[hidden]{display:none!important}
`
	.trim()
	.replace(/\n/g, '');

export const INBOX_PAGE_STYLE = `${STYLE}${INBOX_STYLE}`;
