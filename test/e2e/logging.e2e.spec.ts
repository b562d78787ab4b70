import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/app/config/neraca-config';
import { createAppLogger } from '../../src/app/logging/app-logger';
import { RunningServer, startServer, startWorkers } from '../../src/app/server';
import { deleteKeys } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { waitFor } from '../support/wait';

/** A line as the captured stream holds it, parsed. */
type Line = Record<string, unknown>;

/** The fields of an access line, and nothing else: the allow-list. */
const ACCESS_FIELDS = [
  'component',
  'duration_ms',
  'hostname',
  'key_id',
  'level',
  'method',
  'msg',
  'pid',
  'request_id',
  'route',
  'status',
  'time',
];

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The API's log stream (issue 17), captured from `startServer` itself with a pino destination in
 * place of stdout, at `trace` so that every line any level could write is searched: one JSON line
 * per request with an allow-listed set of fields; no key, header, query string, body or PII in any
 * line; X-Request-Id honoured and echoed; a 5xx logs its stack while the client gets the envelope.
 */
describe('structured logs of the API', () => {
  const tag = randomBytes(6).toString('hex');
  const master = `master-key-${tag}-of-at-least-32-characters`;
  const webhookToken = `whtoken${tag}`;
  const webhookHeaderSecret = `whheader${tag}`;
  const chunks: string[] = [];
  const text = () => chunks.join('');
  const lines = (): Line[] =>
    text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
  const accessLines = (requestId: string) =>
    lines().filter((l) => l.request_id === requestId && l.msg === 'request completed');
  let dir: string;
  let db: TestDatabase | undefined;
  let server: RunningServer;
  let url: string;

  const call = async (
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; key?: string | null } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.key !== null) headers['x-blnk-key'] = opts.key ?? master;
    const res = await fetch(url + path, {
      method,
      headers: { ...headers, ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const body = await res.text();
    return { status: res.status, body, requestId: res.headers.get('x-request-id') };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-logs-'));
    db = process.env.BLNK_DATA_SOURCE_DNS ? await createTestDatabase() : undefined;
    const config = loadConfig({
      cwd: dir,
      env: {
        BLNK_DATA_SOURCE_DNS: db?.dsn ?? '',
        NERACA_DATA_DIR: dir,
        BLNK_SERVER_PORT: '0',
        NERACA_HOST: '127.0.0.1',
        BLNK_SERVER_SECRET_KEY: master,
        BLNK_TOKENIZATION_SECRET: `base64:${randomBytes(32).toString('base64')}`,
        // A webhook receiver that is not there: delivery fails, and the failure is logged.
        BLNK_WEBHOOK_URL: `http://127.0.0.1:${await closedPort()}/hooks?token=${webhookToken}`,
        BLNK_WEBHOOK_HEADERS: `x-receiver-secret:${webhookHeaderSecret}`,
        NERACA_WEBHOOK_FIRST_RETRY: '100ms',
        NERACA_BALANCE_SNAPSHOTS_ENABLED: 'false',
      },
    });
    const logger = createAppLogger(
      { level: 'trace', format: 'json' },
      { write: (s: string) => void chunks.push(s) },
    );
    server = await startServer(config, logger);
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per request, with only the allow-listed fields and the right values', async () => {
    const created = await call('POST', '/ledgers', {
      body: { name: `ledger ${tag}` },
      headers: { 'x-request-id': `create-${tag}` },
    });
    expect(created.status).toBe(201);
    const ledgerId = JSON.parse(created.body).ledger_id as string;
    const got = await call('GET', `/ledgers/${ledgerId}`);
    expect(got.status).toBe(200);
    const refused = await call('GET', '/ledgers', { key: null });
    expect(refused.status).toBe(401);
    const missing = await call('GET', `/no-such-route/${tag}`);
    expect(missing.status).toBe(404);
    // Refused by the router itself, before any hook (not valid URL encoding).
    const badUrl = await call('GET', `/ledgers/%ZZ${tag}`, {
      headers: { 'x-request-id': `bad-${tag}` },
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.requestId).toBe(`bad-${tag}`);

    const [line] = accessLines(`create-${tag}`);
    expect(accessLines(`create-${tag}`)).toHaveLength(1);
    expect(Object.keys(line).sort()).toEqual(ACCESS_FIELDS);
    expect(line).toMatchObject({
      level: 'info',
      component: 'http',
      key_id: 'master',
      method: 'POST',
      route: '/ledgers',
      status: 201,
    });
    expect(typeof line.duration_ms).toBe('number');
    expect(line.duration_ms as number).toBeGreaterThanOrEqual(0);

    // The route pattern, never the path with its id.
    expect(accessLines(got.requestId!)).toEqual([
      expect.objectContaining({ method: 'GET', route: '/ledgers/:id', status: 200 }),
    ]);
    expect(text()).not.toContain(ledgerId);
    // Refused before any route ran: still one line, at warn, without a key.
    expect(accessLines(refused.requestId!)).toEqual([
      expect.objectContaining({
        level: 'warn',
        key_id: 'anonymous',
        route: '/ledgers',
        status: 401,
      }),
    ]);
    expect(accessLines(missing.requestId!)).toEqual([
      expect.objectContaining({ level: 'warn', route: 'unmatched', status: 404 }),
    ]);
    expect(accessLines(`bad-${tag}`)).toEqual([
      expect.objectContaining({ level: 'warn', route: 'unmatched', status: 400 }),
    ]);
    expect(text()).not.toContain(`no-such-route/${tag}`);
    expect(text()).not.toContain(`%ZZ${tag}`);
    for (const l of lines()) expect(typeof l.time).toBe('string'); // every line is JSON
  });

  it('logs the key id of a scoped key, never a key, header, cookie or query string', async () => {
    const made = await call('POST', '/api-keys', {
      body: {
        name: 'logs',
        owner: 'logs',
        scopes: ['ledgers:read'],
        expires_at: '2099-01-01T00:00:00Z',
      },
    });
    expect(made.status).toBe(201);
    const { api_key_id: keyId, key } = JSON.parse(made.body) as { api_key_id: string; key: string };
    const read = await call('GET', `/ledgers?limit=5&note=query${tag}`, {
      key,
      headers: {
        authorization: `Bearer bearer${tag}`,
        cookie: `session=cookie${tag}`,
        'user-agent': `agent${tag}`,
      },
    });
    expect(read.status).toBe(200);
    expect(accessLines(read.requestId!)).toEqual([
      expect.objectContaining({ key_id: keyId, route: '/ledgers', status: 200 }),
    ]);
    const all = text();
    expect(all).toContain(keyId);
    for (const secret of [
      master,
      key,
      `bearer${tag}`,
      `cookie${tag}`,
      `agent${tag}`,
      `query${tag}`,
    ])
      expect(all).not.toContain(secret);
  });

  it('leaves no PII of an identity in the logs: not on create, tokenize, detokenize or update', async () => {
    // Unique words, so that finding one anywhere in the logs can only mean it leaked.
    const words = ['first_name', 'last_name', 'other_names', 'street', 'post_code', 'city'];
    const pii: Record<string, string> = Object.fromEntries(words.map((w) => [w, `${w}-${tag}`]));
    pii.email_address = `person.${tag}@hidden.example`;
    pii.phone_number = `+4420${parseInt(tag.slice(0, 8), 16) % 100000000}`;
    const renamed = `renamed-${tag}`;
    const created = await call('POST', '/identities', {
      body: pii,
    });
    expect(created.status).toBe(201);
    const id = JSON.parse(created.body).identity_id as string;
    const tok = await call('POST', `/identities/${id}/tokenize`, {
      body: { fields: ['FirstName', 'EmailAddress', 'PhoneNumber'] },
    });
    expect(tok.status).toBe(200);
    const token = (
      JSON.parse((await call('GET', `/identities/${id}`)).body) as { first_name: string }
    ).first_name;
    const detok = await call('GET', `/identities/${id}/detokenize/firstName`);
    expect(JSON.parse(detok.body).value).toBe(pii.first_name);
    expect((await call('PUT', `/identities/${id}`, { body: { first_name: renamed } })).status).toBe(
      200,
    );
    const bad = await call('POST', '/identities', { body: { ...pii, email_address: 42 } });
    expect(bad.status).toBe(400);
    expect(accessLines(created.requestId!)).toEqual([
      expect.objectContaining({ route: '/identities', status: 201 }),
    ]);
    expect(accessLines(bad.requestId!)).toEqual([expect.objectContaining({ status: 400 })]);
    const all = text();
    for (const value of [...Object.values(pii), renamed, token]) expect(all).not.toContain(value);
  });

  it('leaves no PII of a search, a reconciliation upload or a route parameter in the logs', async () => {
    const pii = `searched.${tag}@hidden.example`;
    const q = await call('POST', '/search/transactions', {
      body: { q: pii, query_by: 'description', filter_by: `description:=${pii}` },
    });
    const badFilter = await call('POST', '/search/transactions', {
      body: { q: '*', filter_by: `amount:>${pii}` },
    });
    const filtered = await call('POST', '/identities/filter', {
      body: { filters: [{ field: 'dob', operator: 'gt', value: pii }] },
    });
    expect([q.status, badFilter.status, filtered.status]).toEqual([201, 400, 400]);
    // A statement whose file name and rows hold PII, refused and accepted.
    const upload = async (rows: string) => {
      const form = new FormData();
      form.append('source', `bank-${tag}`);
      form.append('file', new Blob([rows]), `${pii}\r\n{"level":"fatal"}.csv`);
      const res = await fetch(`${url}/reconciliation/upload`, {
        method: 'POST',
        headers: { 'x-blnk-key': master },
        body: form,
      });
      await res.text();
      return res.status;
    };
    const head = 'id,amount,currency,reference,description,date\n';
    expect(await upload(`${head}1,${pii},USD,${pii},${pii},${pii}\n`)).toBe(400);
    expect(await upload(`${head}1,10,USD,ref-${pii},${pii},2026-01-01T00:00:00Z\n`)).toBe(200);
    // A route parameter that would forge a line if it were written raw.
    const forged = await call(
      'GET',
      `/ledgers/${encodeURIComponent(`${pii}\n{"level":"fatal","msg":"forged"}`)}`,
    );
    expect(forged.status).toBe(404);
    const all = text();
    expect(all).not.toContain(pii);
    expect(all).not.toContain('hidden.example');
    expect(lines().filter((l) => (l as { msg?: string }).msg === 'forged')).toEqual([]);
  });

  it('honours a well-formed X-Request-Id and replaces any other, echoing the one it logs', async () => {
    const given = `trace-${tag}:01HZX`;
    const kept = await call('GET', '/ledgers', { headers: { 'x-request-id': given } });
    expect(kept.requestId).toBe(given);
    expect(accessLines(given)).toHaveLength(1);

    for (const hostile of [`a b ${tag}`, `${'x'.repeat(129)}${tag}`, `"}${tag}`]) {
      const r = await call('GET', '/ledgers', { headers: { 'x-request-id': hostile } });
      expect(r.requestId).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(accessLines(r.requestId!)).toHaveLength(1);
    }
    expect(text()).not.toContain(`}${tag}`);
    expect(text()).not.toContain(`a b ${tag}`);
  });

  it('logs a 5xx with its stack and request id, while the client gets the envelope only', async () => {
    const ds = server.app.get(DataSource);
    await ds.query('ALTER TABLE blnk.ledgers RENAME TO ledgers_hidden_by_the_logging_test');
    let failed;
    try {
      failed = await call('GET', '/ledgers', { headers: { 'x-request-id': `boom-${tag}` } });
    } finally {
      await ds.query('ALTER TABLE blnk.ledgers_hidden_by_the_logging_test RENAME TO ledgers');
    }
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body).error_detail.code).toBe('GEN_INTERNAL');
    expect(failed.body).not.toMatch(/\bat \S+ \(|ledgers_hidden|QueryFailedError/);
    const mine = lines().filter((l) => l.request_id === `boom-${tag}`);
    const error = mine.find((l) => l.msg !== 'request completed');
    expect(error).toMatchObject({ level: 'error', key_id: 'master' });
    expect(error!.msg).toMatch(/does not exist[\s\S]*\n\s+at /);
    expect(accessLines(`boom-${tag}`)).toEqual([
      expect.objectContaining({ level: 'error', status: 500 }),
    ]);
  });

  it('logs background work with a component, and no webhook secret, header or master key', async () => {
    const failure = await waitFor(
      async () =>
        lines().find((l) => l.component === 'Webhooks' && /attempt \d+ failed/.test(String(l.msg))),
      30000,
      'a failed webhook delivery in the logs',
    );
    expect(failure.level).toBe('warn');
    expect(failure.request_id).toBeUndefined(); // the request that wrote the event had ended
    const all = text();
    for (const secret of [webhookToken, webhookHeaderSecret, master])
      expect(all).not.toContain(secret);
  });

  it("writes Nest's own messages as structured lines with a component", () => {
    expect(lines()).toContainEqual(
      expect.objectContaining({ component: 'RoutesResolver', level: 'debug' }),
    );
  });
});

/** `neraca workers` logs through the same pino (PostgreSQL and Redis only: it needs both). */
if (process.env.BLNK_DATA_SOURCE_DNS && process.env.BLNK_REDIS_DNS) {
  describe('structured logs of the workers', () => {
    it("writes Nest's messages of a worker process as structured lines", async () => {
      const db = await createTestDatabase();
      const chunks: string[] = [];
      const dir = mkdtempSync(join(tmpdir(), 'neraca-logs-'));
      const redis = process.env.BLNK_REDIS_DNS!;
      const prefix = `neraca-logs-${randomBytes(4).toString('hex')}`;
      try {
        const config = loadConfig({
          cwd: dir,
          env: {
            BLNK_DATA_SOURCE_DNS: db.dsn,
            BLNK_REDIS_DNS: redis,
            NERACA_QUEUE_PREFIX: prefix,
            NERACA_BALANCE_SNAPSHOTS_ENABLED: 'false',
          },
        });
        const logger = createAppLogger(
          { level: 'debug', format: 'json' },
          { write: (s: string) => void chunks.push(s) },
        );
        const workers = await startWorkers(config, logger);
        await workers.close();
        const parsed = chunks
          .join('')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Line);
        expect(parsed).toContainEqual(
          expect.objectContaining({ component: 'InstanceLoader', level: 'debug' }),
        );
      } finally {
        await deleteKeys(redis, prefix);
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
