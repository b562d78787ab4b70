import { ReconciliationRunJob } from '../../src/modules/reconciliation/interface/jobs/reconciliation-run.job';
import { TEST_KEY, TestApp } from './app';
import { waitFor } from './wait';

/** POST /reconciliation/upload as the SDK sends it: multipart, `file` then `source`. */
export async function uploadStatement(t: TestApp, name: string, content: string, source?: string) {
  const form = new FormData();
  form.append('file', new Blob([content]), name);
  if (source !== undefined) form.append('source', source);
  const res = await fetch(`${t.url}/reconciliation/upload`, {
    method: 'POST',
    headers: { 'x-blnk-key': TEST_KEY },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

/** GET /reconciliation/:id until the run is completed or failed. */
export async function finishedRun(t: TestApp, id: string) {
  return waitFor(
    async () => {
      const r = await t.http('GET', `/reconciliation/${id}`);
      return r.json.status === 'completed' || r.json.status === 'failed' ? r.json : undefined;
    },
    30000,
    `reconciliation ${id}`,
  );
}

/**
 * Keeps this server's run job from leasing anything until the returned function is called, so a
 * test can drive a run by hand as two workers (the job would race them for an expired lease).
 */
export function pauseRunJob(t: TestApp): () => void {
  const job = t.app.get(ReconciliationRunJob);
  const round = job.round.bind(job);
  job.round = async () => false;
  return () => {
    job.round = round;
  };
}
