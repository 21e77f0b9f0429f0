// Copies what n8n loads next to the compiled nodes and credentials, which tsc does not emit:
// the icons (one copy in icons/, found by nodes and credentials through `file:../../icons/…`
// and `file:../icons/…`, resolved relative to their compiled .js files) and the codex files
// (X.node.json) that must sit beside each node.
const { src, dest, parallel } = require('gulp');

function icons() {
	return src('icons/*.{png,svg}').pipe(dest('dist/icons'));
}

function codexFiles() {
	return src('nodes/**/*.node.json').pipe(dest('dist/nodes'));
}

exports['build:icons'] = parallel(icons, codexFiles);
