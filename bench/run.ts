// `npm run bench`: every benchmark section, measured in one run on this machine.
// Each section prints its own figures as ratios against peers and the machine's limits.
export {}; // a module, so top-level await is allowed

const sections: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  decide: () => import('./decide.js'),
  hash: () => import('./hash.js'),
  tree: () => import('./ingest-tree.js'),
  http: () => import('./http.js'),
  log: () => import('./log.js'),
  bundle: () => import('./bundle.js'),
  cli: () => import('./cli.js'),
  mcp: () => import('./mcp.js'),
  monitor: () => import('./monitor.js'),
  scaling: () => import('./scaling-model.js'),
};

const only = process.argv.slice(2);
for (const [name, load] of Object.entries(sections)) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  await (await load()).run();
}
