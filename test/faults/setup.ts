/**
 * Global setup of the fault suite: names the tally file the tests append to, and at the end prints the summary
 * (faults injected, runs completed, records checked, lost, duplicated) per suite and in total.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tally } from './tally.js';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-faults-'));
  const file = path.join(dir, 'tally.jsonl');
  writeFileSync(file, '');
  process.env.DATASYNC_FAULTS_TALLY = file;
  return () => {
    const entries = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Tally);
    rmSync(dir, { recursive: true, force: true });
    const total = (k: keyof Omit<Tally, 'suite'>) => entries.reduce((s, e) => s + e[k], 0);
    const rows = entries.map(
      (e) =>
        `  ${e.suite.padEnd(46)} faults ${String(e.faultsInjected).padStart(5)}  runs ${String(e.runsCompleted).padStart(4)}  records ${String(e.recordsChecked).padStart(6)}  lost ${e.lost}  duplicated ${e.duplicated}`,
    );
    console.log(
      [
        '',
        'Fault suite summary',
        ...rows,
        `  total: faults injected ${total('faultsInjected')}, runs completed ${total('runsCompleted')}, records checked ${total('recordsChecked')}, lost ${total('lost')}, duplicated ${total('duplicated')}`,
        '  bad input (invalid bodies, headers, oversize, content types, unicode; cross-tenant and wrong-role; forged and',
        '  replayed webhooks) is covered by test/api/fuzz.test.ts, test/api/security.test.ts, test/api/routes.test.ts',
        '  and test/hooks/fuzz.test.ts, test/hooks/receiver.test.ts in `npm test`.',
      ].join('\n'),
    );
  };
}
