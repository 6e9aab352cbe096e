/* global require, process */
// Preloaded with `node --require` into a server process: at exit it writes the path of every
// CommonJS module the process loaded to LOADED_MODULES_FILE, so a test can see what was loaded.
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(require.cache)));
});
