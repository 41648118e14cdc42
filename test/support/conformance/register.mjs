// `node --import ./register.mjs …/conformance/dist/index.js`: runs @modelcontextprotocol/conformance
// (0.1.16, built for Node 22) on this project's Node 20. Its bundle imports `globSync` from `fs`
// at load time, a Node 22 export used only by its `tier-check` command (reading results folders);
// the server scenarios never call it. This hook gives the package an `fs` with that one name
// added (throwing if ever called), and nothing else changes.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
