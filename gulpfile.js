// Copies what n8n loads next to the compiled nodes and credentials: icons and codex files
// (X.node.json), which tsc does not emit.
const { src, dest, parallel } = require('gulp');

function nodeAssets() {
	return src('nodes/**/*.{png,svg,node.json}').pipe(dest('dist/nodes'));
}

function credentialIcons() {
	return src('credentials/**/*.{png,svg}', { allowEmpty: true }).pipe(dest('dist/credentials'));
}

exports['build:icons'] = parallel(nodeAssets, credentialIcons);
