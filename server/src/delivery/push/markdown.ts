/**
 * Markdown → plain text for the lock screen: the alert body cannot render Markdown, so the
 * marks go and the words stay (links keep their text, list items get a bullet).
 */
export function stripMarkdown(markdown: string): string {
	const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
	const out: string[] = [];
	let inFence = false;
	for (const raw of lines) {
		if (/^\s*(```|~~~)/.test(raw)) {
			inFence = !inFence;
			continue;
		}
		if (inFence) {
			out.push(raw);
			continue;
		}
		let line = raw
			.replace(/^\s{0,3}#{1,6}\s+/, '') // headings
			.replace(/^\s{0,3}>\s?/, '') // block quotes
			.replace(/^(\s*)[-*+]\s+\[[ xX]\]\s+/, '$1• ') // task lists
			.replace(/^(\s*)[-*+]\s+/, '$1• '); // bullet lists
		if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) line = ''; // horizontal rules
		out.push(inline(line));
	}
	return out
		.join('\n')
		.replace(/[ \t]+\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

function inline(text: string): string {
	const code: string[] = [];
	// Inline code first, so marks inside it survive untouched.
	const keep = (c: string) => `\u0000${code.push(c) - 1}\u0000`;
	// Escaped marks are literal text: set them aside like code.
	let s = text.replace(/\\([\\`*_{}[\]()#+\-.!~>])/g, (_m, c: string) => keep(c));
	s = s.replace(/`+([^`]+?)`+/g, (_m, c: string) => keep(c));
	s = s
		.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images: alt text
		.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links: their text
		.replace(/<(https?:\/\/[^>\s]+)>/g, '$1') // autolinks
		.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2') // bold
		.replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1') // strikethrough
		.replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, '$1$2') // *italic*
		.replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, '$1$2') // _italic_ (not snake_case)
		.replace(/ {2,}$/, ''); // hard line break marker
	return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => code[Number(i)]);
}
