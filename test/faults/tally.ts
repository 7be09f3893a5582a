/**
 * What each fault test did, for the summary printed at the end of `npm run test:faults`: tests append one JSON
 * line to the file global setup names (DATASYNC_FAULTS_TALLY); setup's teardown adds them up.
 */
import { appendFileSync } from 'node:fs';

export interface Tally {
  suite: string;
  faultsInjected: number;
  runsCompleted: number;
  recordsChecked: number;
  lost: number;
  duplicated: number;
}

export function tally(entry: Tally): void {
  const file = process.env.DATASYNC_FAULTS_TALLY;
  if (file) appendFileSync(file, `${JSON.stringify(entry)}\n`);
}
