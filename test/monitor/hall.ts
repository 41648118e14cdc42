// A live local Hall for the monitor tests: the real `npm start` (scripts/start.mjs) in a throwaway
// copy of the project (test/start/hall-process.ts), its tokens from that copy's .dev.vars, and the
// one thing no API may do — editing a stored receipt — done the way an attacker with the disk
// would: straight in the local SQLite files wrangler keeps under the copy's .wrangler/state.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyProject, devVars, freePort, removeProject, startHall, type RunningHall } from '../start/hall-process.js';

export interface MonitorHall {
  url: string;
  dir: string;
  tenantToken: string;
  approverToken: string;
  adminToken: string;
  close(): Promise<void>;
}

export async function startMonitorHall(): Promise<MonitorHall> {
  const dir = copyProject('edgehall-monitor-');
  let hall: RunningHall | undefined;
  try {
    hall = await startHall(dir, await freePort());
    if (!hall.output().includes('[edgehall] ready:')) throw new Error(`npm start did not get ready:\n${hall.output().slice(-4000)}`);
    const vars = devVars(dir);
    const running = hall;
    return {
      url: hall.base,
      dir,
      tenantToken: vars['HALL_DEMO_TENANT_TOKEN']!,
      approverToken: vars['HALL_DEMO_APPROVER_TOKEN']!,
      adminToken: vars['HALL_ADMIN_TOKEN']!,
      close: async () => {
        await running.stop();
        removeProject(dir);
      },
    };
  } catch (err) {
    await hall?.stop();
    removeProject(dir);
    throw err;
  }
}

function sqliteFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sqliteFiles(p));
    else if (name.endsWith('.sqlite')) out.push(p);
  }
  return out;
}

const sqlite = (file: string, sql: string): string => execFileSync('sqlite3', ['-cmd', '.timeout 10000', file, sql], { encoding: 'utf8', timeout: 15_000 }).trim();

/** Each local SQLite file holding `tenant`'s receipts, with the condition that selects them. */
function receiptStores(hall: MonitorHall, tenant: string): { file: string; mine: string }[] {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const out: { file: string; mine: string }[] = [];
  for (const file of sqliteFiles(join(hall.dir, '.wrangler', 'state'))) {
    const tables = sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table'").split('\n');
    if (!tables.includes('receipts')) continue;
    const columns = sqlite(file, "SELECT name FROM pragma_table_info('receipts')").split('\n');
    if (!columns.includes('receipt_json')) continue;
    // D1 keeps every tenant in one table; a tenant's log object keeps only its own (log_state names it).
    if (columns.includes('tenant_id')) out.push({ file, mine: `tenant_id = ${q(tenant)}` });
    else if (tables.includes('log_state')) out.push({ file, mine: `(SELECT tenant_id FROM log_state WHERE id = 1) = ${q(tenant)}` });
  }
  return out;
}

/**
 * Rewrites one field of receipt `seq` of `tenant` wherever the local state stores it (the D1
 * database and/or the tenant's log object), without re-signing: the stored bytes an auditor reads
 * no longer match their hash. Returns the files changed.
 */
export function tamperStoredReceipt(hall: MonitorHall, tenant: string, seq: number, field: string, value: string): string[] {
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return receiptStores(hall, tenant)
    .filter(({ file, mine }) => Number(sqlite(file, `UPDATE receipts SET receipt_json = json_set(receipt_json, ${q(`$.${field}`)}, ${q(value)}) WHERE ${mine} AND seq = ${seq}; SELECT changes();`)) > 0)
    .map(({ file }) => file);
}

/** Removes `tenant`'s receipts from `fromSeq` on wherever they are stored (a truncated log). Returns the files changed. */
export function deleteStoredReceipts(hall: MonitorHall, tenant: string, fromSeq: number): string[] {
  return receiptStores(hall, tenant)
    .filter(({ file, mine }) => Number(sqlite(file, `DELETE FROM receipts WHERE ${mine} AND seq >= ${fromSeq}; SELECT changes();`)) > 0)
    .map(({ file }) => file);
}
