import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait';

interface Call {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Pre- and post-transaction hooks wired into the submission pipeline (issue 13) against a real
 * hook server on loopback: a blocking PRE_TRANSACTION hook can veto a request on every path
 * (skip_queue, queued, bulk, refund) before anything is written; POST_TRANSACTION hooks are
 * called for each committed outcome, from the outbox.
 */
describe('transaction hooks in the pipeline', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  const calls: Call[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          hook_type: string;
          data: Record<string, unknown>;
        };
        calls.push({ type: body.hook_type, data: body.data });
        const vetoed = String(body.data.reference ?? '').startsWith('deny');
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            JSON.stringify(
              vetoed ? { success: false, message: 'fraud score too high' } : { success: true },
            ),
          );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    t = await startTestApp();
    for (const type of ['PRE_TRANSACTION', 'POST_TRANSACTION']) {
      const r = await t.http('POST', '/hooks', {
        name: type,
        url,
        type,
        active: true,
        timeout: 5,
        retry_count: 0,
        blocking: type === 'PRE_TRANSACTION',
      });
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const transfer = (reference: string, extra: Record<string, unknown> = {}) => ({
    precise_amount: 100,
    precision: 100,
    currency: 'USD',
    reference,
    description: 'hooked',
    source: '@World',
    destination: '@Hooked',
    allow_overdraft: true,
    skip_queue: true,
    ...extra,
  });
  const written = async (reference: string) =>
    (await t.http('GET', `/transactions/reference/${reference}`)).status;

  it('a veto refuses a skip_queue and a queued request with 400 and the hook message; nothing is written', async () => {
    for (const [reference, skip] of [
      ['deny-sync', true],
      ['deny-queued', false],
    ] as const) {
      const r = await t.http('POST', '/transactions', transfer(reference, { skip_queue: skip }));
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('TXN_REJECTED_BY_HOOK');
      expect(r.json.error).toContain('fraud score too high');
      expect(await written(reference)).toBe(404);
    }
    const pre = calls.filter((c) => c.type === 'PRE_TRANSACTION');
    expect(pre.map((c) => [c.data.reference, c.data.status])).toEqual(
      expect.arrayContaining([
        ['deny-sync', 'APPLIED'],
        ['deny-queued', 'QUEUED'],
      ]),
    );
  });

  it('an approved request goes through, and its committed outcome reaches the POST_TRANSACTION hook', async () => {
    const r = await t.http('POST', '/transactions', transfer('allow-1'));
    expect(r.status).toBe(201);
    const post = await waitFor(
      async () =>
        calls.find((c) => c.type === 'POST_TRANSACTION' && c.data.reference === 'allow-1'),
      15_000,
      'the post hook',
    );
    expect(post.data).toMatchObject({ transaction_id: r.json.transaction_id, status: 'APPLIED' });
  });

  it('a veto of one bulk item refuses the batch before any item is applied, naming the item', async () => {
    const r = await t.http('POST', '/transactions/bulk', {
      skip_queue: true,
      transactions: [transfer('bulk-ok-1'), transfer('deny-bulk-2')],
    });
    expect(r.status).toBe(400);
    expect(r.json.error_detail).toMatchObject({
      code: 'TXN_REJECTED_BY_HOOK',
      details: { index: 1 },
    });
    expect(await written('bulk-ok-1')).toBe(404);
  });

  it('a refund asks the hook with the refund it would write', async () => {
    const made = await t.http('POST', '/transactions', transfer('allow-refund'));
    expect(made.status).toBe(201);
    const r = await t.http('POST', `/refund-transaction/${made.json.transaction_id}`, {
      skip_queue: true,
    });
    expect(r.status).toBe(201);
    const asked = calls.find(
      (c) =>
        c.type === 'PRE_TRANSACTION' && c.data.reference === `${made.json.transaction_id}_refund`,
    );
    expect(asked?.data).toMatchObject({
      source: made.json.destination,
      destination: made.json.source,
    });
  });

  it('a dry run asks no hook', async () => {
    const before = calls.length;
    const r = await t.http('POST', '/transactions', transfer('deny-dry', { dry_run: true }));
    expect(r.status).toBe(200);
    expect(calls.slice(before).filter((c) => c.data.reference === 'deny-dry')).toEqual([]);
  });
});
