// Check a rule set and worker records before loading them.
import { checkWorkerCompliance, isWcpId, lintRules, tenantNamespaceOf } from 'edgehall';

const report = lintRules({
  rules: [
    { rule_id: 'prod-only', match: { capability_id: 'cap.doc.summarize', env: 'prod' }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer' }] } },
    { rule_id: 'prod-again', match: { capability_id: 'cap.doc.summarize', env: { in: ['prod'] } }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer' }] } },
    { rule_id: 'typo', match: { capability_id: 'cap.doc.summarize', env: 'PROD' } },
  ],
});
console.log('ok:', report.ok);
for (const i of report.issues) console.log(`${i.severity} ${i.code} at ${i.path.join('.')}`);

const record = {
  worker_id: 'org.acme.doc-summarizer',
  worker_species_id: 'wrk.doc.summarizer',
  capabilities: ['cap.doc.summarize'],
  currently_implements: ['ctrl.obs.audit-log-append-only'],
};
const c = checkWorkerCompliance(record);
console.log('level:', c.level, '| missing for WCP-Full:', c.levels['WCP-Full'].reasons.length);
console.log('ids:', isWcpId('cap', 'cap.doc.summarize'), isWcpId('cap', 'cap.Doc.Summarize'), tenantNamespaceOf(record.worker_id));
