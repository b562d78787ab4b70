import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { startTestApp, TEST_KEY, TestApp } from '../support/app';
import { BACKENDS } from '../support/database';
import { InternalTransactions } from '../../src/modules/reconciliation/application/ports/internal-transactions';
import { finishedRun, uploadStatement } from '../support/reconciliation';
import { waitFor } from '../support/wait';

/** Batches of 1,000 rows (a 150-row statement is one batch, split on PostgreSQL), fast polling. */
const SETTINGS = new ReconciliationSettings(256, [], 5000, 1000, 20, 60_000, 3, 2);
const BOUNDARY = 'neraca-attack-upload';
const HEADER = 'id,amount,currency,reference,description,date\n';
const BASE = Date.parse('2024-09-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const enc = new TextEncoder();

/** Rows staged (by any upload) and rows stored for `source`, in one look. */
const counts = async (t: TestApp, source: string) => {
  const [c] = await t.ds.query(
    `SELECT (SELECT count(*)::int FROM reconciliation_staging) AS staged,
            (SELECT count(*)::int FROM external_transactions WHERE source = $1) AS stored`,
    [source],
  );
  return c as { staged: number; stored: number };
};

/** 150 internal transactions a minute apart, amounts 100.00 .. 249.00 (written as stored). */
async function internals(t: TestApp, prefix: string) {
  await t.ds.transaction(async (m) => {
    await m.query(`SET LOCAL session_replication_role = replica`); // no ledger triggers here
    await m.query(
      `INSERT INTO transactions (transaction_id, reference, amount, precise_amount, precision,
       currency, status, hash, description, created_at)
     SELECT $1 || '_' || i, $1 || '_' || i, 100 + i, (100 + i) * 100, 100, 'USD', 'APPLIED', 'h',
            'd', $2::timestamptz + i * interval '1 minute'
       FROM generate_series(0, 149) AS i`,
      [prefix, iso(BASE)],
    );
  });
}

/** A one_to_one run of a 150-row statement through HTTP; every row matches its transaction. */
async function runOneToOne(t: TestApp, prefix: string) {
  await internals(t, prefix);
  const csv =
    HEADER +
    Array.from(
      { length: 150 },
      (_, i) => `${prefix}-x${i},${100 + i}.00,USD,r,d,${iso(BASE + i * 60_000)}\n`,
    ).join('');
  const up = await uploadStatement(t, 's.csv', csv, `${prefix}-bank`);
  expect(up.status).toBe(200);
  const rule = await t.http('POST', '/reconciliation/matching-rules', {
    name: 'exact amount, an hour',
    criteria: [
      { field: 'amount', operator: 'equals', allowable_drift: 0 },
      { field: 'date', operator: 'equals', allowable_drift: 3600 },
    ],
  });
  expect(rule.status).toBe(201);
  // The run's search as the process built it: PostgreSQL lends a batch a second connection;
  // PGlite has one session, which a part sent to the pool would wait on while the transaction
  // waits for the part (the pool's 10 s acquire timeout, or for ever).
  const search = t.app.get(InternalTransactions, { strict: false }) as unknown as {
    connections: number;
  };
  expect(search.connections).toBe(t.db.kind === 'postgres' ? 2 : 1);
  const start = await t.http('POST', '/reconciliation/start', {
    upload_id: up.json.upload_id,
    strategy: 'one_to_one',
    matching_rule_ids: [rule.json.rule_id],
  });
  expect(start.status).toBe(200);
  const done = {
    id: start.json.reconciliation_id,
    ...(await finishedRun(t, start.json.reconciliation_id)),
  };
  expect(done).toMatchObject({
    status: 'completed',
    matched_transactions: 150,
    unmatched_transactions: 0,
  });
  const matches = await t.http('GET', `/reconciliation/${String(done.id)}/matches?limit=200`);
  expect(
    matches.json.map((m: any) => [m.external_transaction_id, m.internal_transaction_id]),
  ).toEqual(Array.from({ length: 150 }, (_, i) => [`${prefix}-x${i}`, `${prefix}_${i}`]));
}

/**
 * A multipart upload whose client goes away after 3,000 rows (the body is cut
 * off mid-file): nothing may be stored, and no staged row may stay behind, including a batch
 * that was in flight when the connection broke.
 */
async function cutOffUpload(t: TestApp, source: string) {
  const ctl = new AbortController();
  const sent =
    [
      `--${BOUNDARY}`,
      `Content-Disposition: form-data; name="source"\r\n\r\n${source}`,
      `--${BOUNDARY}`,
      `Content-Disposition: form-data; name="file"; filename="cut.csv"`,
      `Content-Type: text/csv\r\n\r\n${HEADER}`,
    ].join('\r\n') +
    Array.from(
      { length: 3000 },
      (_, k) => `cut-${k + 1},${k + 1}.00,USD,r,d,2024-03-01T10:00:00Z\n`,
    ).join('');
  // 3,000 of the file's rows (more than the 64 KiB the format is sniffed from), then nothing: the
  // body is never closed, and the client goes away once the server has staged a batch.
  const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(enc.encode(sent)) });
  const type = `multipart/form-data; boundary=${BOUNDARY}`;
  const init = { method: 'POST', body, duplex: 'half', signal: ctl.signal };
  const answer = fetch(`${t.url}/reconciliation/upload`, {
    ...init,
    headers: { 'x-blnk-key': TEST_KEY, 'content-type': type },
  } as RequestInit).catch((e: Error) => e);
  await waitFor(
    async () => ((await counts(t, source)).staged >= 1000 ? true : undefined),
    20000,
    'staging',
  );
  ctl.abort();
  expect(await answer).toMatchObject({ name: 'AbortError' });
  await waitFor(
    async () => ((await counts(t, source)).staged === 0 ? true : undefined),
    20000,
    'unstaged',
  );
  expect(await counts(t, source)).toEqual({ staged: 0, stored: 0 });
  // The server is still fine, and the same source takes a statement afterwards.
  const again = await uploadStatement(
    t,
    's.csv',
    `${HEADER}cut-1,1.00,USD,r,d,2024-03-01T10:00:00Z\n`,
    source,
  );
  expect(again.status).toBe(200);
  expect(await counts(t, source)).toEqual({ staged: 0, stored: 1 });
}

/**
 * Multipart bodies that cannot be read as a form: each is the client's fault, a 400 in Blnk's
 * envelope naming what is wrong (never a 500), and leaves nothing staged or stored.
 */
async function malformedForms(t: TestApp, source: string) {
  const part = (name: string, value: string) =>
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const filePart =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="m.csv"\r\n` +
    `Content-Type: text/csv\r\n\r\n${HEADER}m-1,1.00,USD,r,d,2024-03-01T10:00:00Z\n`;
  const cases: [string, string, string][] = [
    // the body ends inside the file part (no closing boundary)
    ['cut short', `multipart/form-data; boundary=${BOUNDARY}`, part('source', source) + filePart],
    // a multipart type without its boundary parameter
    ['no boundary', 'multipart/form-data', part('source', source) + filePart],
    // bytes that are no form at all
    ['not a form', `multipart/form-data; boundary=${BOUNDARY}`, 'hello world'],
  ];
  for (const [what, type, body] of cases) {
    const res = await fetch(`${t.url}/reconciliation/upload`, {
      method: 'POST',
      headers: { 'x-blnk-key': TEST_KEY, 'content-type': type },
      body,
    });
    const json = (await res.json()) as any;
    expect({ what, status: res.status, code: json.error_detail?.code }).toEqual({
      what,
      status: 400,
      code: 'RECON_UPLOAD_FAILED',
    });
    expect(JSON.stringify(json)).toMatch(/multipart body is malformed/);
    expect(JSON.stringify(json)).not.toMatch(/node_modules|\.js:\d/);
  }
  expect(await counts(t, source)).toEqual({ staged: 0, stored: 0 });
}

/**
 * Attacks on this session's changes through real HTTP: a one_to_one batch large enough to be
 * split (on PGlite it must stay on one connection and never wait on itself), and an upload whose
 * client disconnects mid-stream while a staging batch is in flight.
 */
describe.each(BACKENDS)('reconciliation attacks through HTTP (%s)', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    // PGlite whatever the environment says for the embedded round.
    const env = { db: process.env.BLNK_DATA_SOURCE_DNS, redis: process.env.BLNK_REDIS_DNS };
    if (kind === 'pglite') {
      delete process.env.BLNK_DATA_SOURCE_DNS;
      delete process.env.BLNK_REDIS_DNS;
    }
    try {
      t = await startTestApp({ reconciliation: SETTINGS });
    } finally {
      if (env.db !== undefined) process.env.BLNK_DATA_SOURCE_DNS = env.db;
      if (env.redis !== undefined) process.env.BLNK_REDIS_DNS = env.redis;
    }
    expect(t.db.kind).toBe(kind);
  }, 300_000);
  afterAll(() => t?.close());

  it('a one_to_one run of a 150-row batch (split on PostgreSQL, one connection embedded) completes, every pair right', () =>
    runOneToOne(t, `${kind}_run`));

  it('an upload cut off mid-stream leaves nothing stored or staged', () =>
    cutOffUpload(t, `${kind}-cut`));

  it('a multipart body that is not a readable form is a 400, nothing stored', () =>
    malformedForms(t, `${kind}-malformed`));
});
