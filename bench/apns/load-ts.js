'use strict';
// Lets a plain CommonJS bench script require a TypeScript file (the fake APNs lives in test/fakes):
// transpile only, with the repo's own `typescript`. No type checking here; `npm run lint` does that.
const fs = require('node:fs');
const ts = require('typescript');

if (!require.extensions['.ts']) {
	require.extensions['.ts'] = (module, filename) => {
		const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
			fileName: filename,
			compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
		});
		module._compile(outputText, filename);
	};
}

module.exports = (file) => require(file);
