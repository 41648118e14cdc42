// node:fs plus the Node 22 `globSync` name the conformance bundle imports (unused by server scenarios).
import fs from 'node:fs';

export * from 'node:fs';
export default fs;
export function globSync() {
  throw new Error('fs.globSync needs Node 22; the conformance tier-check command is not available on Node 20.');
}
