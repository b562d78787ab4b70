import { startTestApp, TEST_KEY, TestApp } from '../support/app';
import { uploadStatement } from '../support/reconciliation';
import { waitFor } from '../support/wait';

const ROWS = 6000;
const BOUNDARY = 'neraca-embedded-upload';
const enc = new TextEncoder();

interface Answer {
  upload_id: string;
  record_count: number;
  error_detail: { details: { errors: { row: number; column?: string }[] } };
}

const row = (i: number, amount = `${(i % 900) + 100}.25`) =>
  `ext-${i},${amount},USD,ref-${i},Payment ${i},2024-03-0${(i % 9) + 1}T10:00:00Z\n`;

/**
 * A multipart upload of `rows` CSV rows whose body stops after `pauseAfter` rows until the
 * returned `resume` is called: the server is mid-upload for as long as the test likes.
 */
function slowUpload(t: TestApp, source: string, rows: (i: number) => string, pauseAfter: number) {
  let resume!: () => void;
  const gate = new Promise<void>((r) => (resume = r));
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(
        enc.encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="source"\r\n\r\n${source}\r\n` +
            `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n` +
            `Content-Type: text/csv\r\n\r\nid,amount,currency,reference,description,date\n`,
        ),
      );
      for (let i = 1; i <= ROWS; i++) {
        if (i === pauseAfter + 1) await gate;
        c.enqueue(enc.encode(rows(i)));
      }
      c.enqueue(enc.encode(`\r\n--${BOUNDARY}--\r\n`));
      c.close();
    },
  });
  const answer = fetch(`${t.url}/reconciliation/upload`, {
    method: 'POST',
    headers: {
      'x-blnk-key': TEST_KEY,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
    },
    body,
    duplex: 'half',
  } as RequestInit).then(async (r) => ({ status: r.status, json: (await r.json()) as Answer }));
  return { answer, resume };
}

const staged = async (t: TestApp) =>
  Number((await t.ds.query(`SELECT count(*) AS n FROM reconciliation_staging`))[0].n);
const stored = async (t: TestApp, source: string) =>
  Number(
    (
      await t.ds.query(`SELECT count(*) AS n FROM external_transactions WHERE source = $1`, [
        source,
      ])
    )[0].n,
  );

/**
 * Embedded mode (PGlite: one connection for the whole server) while a large statement uploads
 * (issue 16): the upload stages its rows a batch at a time, each batch a short statement, so
 * other requests are answered mid-upload; the statement is still stored whole or not at all,
 * and a re-upload still answers the first upload. Runs on PGlite whatever the environment says.
 */
describe('reconciliation upload, embedded', () => {
  let t: TestApp;

  beforeAll(async () => {
    const env = { db: process.env.BLNK_DATA_SOURCE_DNS, redis: process.env.BLNK_REDIS_DNS };
    delete process.env.BLNK_DATA_SOURCE_DNS;
    delete process.env.BLNK_REDIS_DNS;
    try {
      t = await startTestApp();
    } finally {
      if (env.db !== undefined) process.env.BLNK_DATA_SOURCE_DNS = env.db;
      if (env.redis !== undefined) process.env.BLNK_REDIS_DNS = env.redis;
    }
    expect(t.db.kind).toBe('pglite');
  }, 300_000); // PGlite's migrations, on a machine shared with other test runs
  afterAll(() => t?.close());

  it('answers other requests while an upload streams in, and stores the statement whole', async () => {
    const up = slowUpload(t, 'bank-big', (i) => row(i), 4000);
    // Rows are staged while the body is still coming (a connection held by the upload would
    // keep this query, and the requests below, waiting until the test times out).
    await waitFor(async () => ((await staged(t)) >= 1000 ? true : undefined), 20000, 'staging');
    expect((await t.http('POST', '/ledgers', { name: 'mid-upload' })).status).toBe(201);
    expect((await t.http('GET', '/health/ready')).status).toBe(200);
    expect(await stored(t, 'bank-big')).toBe(0); // staged rows are no statement yet
    up.resume();
    const r = await up.answer;
    expect(r.status).toBe(200);
    expect(r.json.record_count).toBe(ROWS);
    expect(await stored(t, 'bank-big')).toBe(ROWS);
    expect(await staged(t)).toBe(0);
    // The same statement again answers the first upload.
    const csv =
      'id,amount,currency,reference,description,date\n' +
      Array.from({ length: ROWS }, (_, k) => row(k + 1)).join('');
    const again = await uploadStatement(t, 'big.csv', csv, 'bank-big');
    expect(again.status).toBe(200);
    expect(again.json.upload_id).toBe(r.json.upload_id);
    expect(await stored(t, 'bank-big')).toBe(ROWS);
    expect(await staged(t)).toBe(0);
  });

  it('refuses a large file whose last row is bad as a whole: nothing stored, nothing staged', async () => {
    const up = slowUpload(t, 'bank-bad', (i) => (i === ROWS ? row(i, 'ten') : row(i)), 4000);
    await waitFor(async () => ((await staged(t)) >= 1000 ? true : undefined), 20000, 'staging');
    expect((await t.http('POST', '/ledgers', { name: 'mid-bad-upload' })).status).toBe(201);
    up.resume();
    const r = await up.answer;
    expect(r.status).toBe(400);
    expect(r.json.error_detail.details.errors[0]).toMatchObject({ row: ROWS, column: 'amount' });
    expect(await stored(t, 'bank-bad')).toBe(0);
    expect(await staged(t)).toBe(0);
  });
});
