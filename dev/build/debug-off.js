// What the build bundles for the `debug` package (see gulpfile.js): a logger that is never on.
// file-type reaches debug through @tokenizer/inflate, whose only use of it is messages printed
// when the DEBUG variable names it; debug itself needs node:tty, node:util, node:os and `process`.
function createDebug() {
	const log = () => {};
	log.enabled = false;
	log.extend = createDebug;
	return log;
}
createDebug.enable = () => {};
createDebug.disable = () => '';
createDebug.enabled = () => false;
module.exports = createDebug;
