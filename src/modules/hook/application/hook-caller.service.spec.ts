import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { parseJson } from '@libs/core/json';
import {
  InstantTimer,
  ManualClock,
  MemoryHookRepository,
} from '../../../../test/support/fakes/hooks';
import type { Hook } from '../domain/hook';
import { backoffMs } from '../domain/hook-answer';
import { HookSettings } from '../hook-settings';
import { FetchHookTransport } from '../infrastructure/http/fetch-hook-transport';
import { ActiveHooks } from './active-hooks';
import { HookCallerService, TransactionPayload } from './hook-caller.service';

const SECRET = 'hook-secret-key-of-32-characters!!';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A real HTTP receiver on loopback; each test sets `handler` per path. */
class Receiver {
  readonly received: Received[] = [];
  readonly handlers = new Map<string, Handler>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({ path, headers: req.headers, raw: Buffer.concat(chunks).toString() });
        const n = this.received.filter((r) => r.path === path).length;
        const handler = this.handlers.get(path) ?? ((_q, s) => s.end());
        handler(req, res, n);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A timer that does not keep Jest waiting once the tests are done. */
const later = (ms: number, f: () => void) => setTimeout(f, ms).unref();

const answer =
  (status: number, body = '', headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

const TX: TransactionPayload = {
  transaction_id: 'txn_0f8c9e2a-1111-4222-8333-444455556666',
  precise_amount: 123456789012345678901234567890n,
  currency: 'USD',
  reference: 'ref-1',
};

describe('HookCallerService', () => {
  const receiver = new Receiver();
  let repo: MemoryHookRepository;
  let clock: ManualClock;
  let timer: InstantTimer;
  let caller: HookCallerService;
  let active: ActiveHooks;
  let next = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await receiver.start();
  });
  afterAll(() => receiver.stop());

  const build = (settings = new HookSettings(SECRET)) => {
    active = new ActiveHooks(repo, clock, settings);
    caller = new HookCallerService(active, repo, new FetchHookTransport(), timer, clock, settings);
  };

  beforeEach(() => {
    repo = new MemoryHookRepository();
    clock = new ManualClock();
    timer = new InstantTimer();
    build();
  });

  /** A hook on its own receiver path, stored and active. */
  const hook = async (
    handler: Handler | null,
    extra: Partial<Hook> = {},
  ): Promise<Hook & { path: string }> => {
    const path = `/h${++next}`;
    if (handler) receiver.handlers.set(path, handler);
    const h: Hook = {
      id: `hook_${next}`,
      name: `hook ${next}`,
      url: receiver.url + path,
      type: 'PRE_TRANSACTION',
      active: true,
      timeout: 5,
      retryCount: 0,
      blocking: true,
      failOpen: false,
      createdAt: new Date(clock.now().getTime() + next),
      lastRun: null,
      lastSuccess: false,
      ...extra,
    };
    await repo.insert(h);
    return { ...h, path };
  };

  it('POSTs the body and headers of reference §7.2, signed over the raw body', async () => {
    const h = await hook(answer(200, '{"success": true}'));
    const report = await caller.call(h, TX);
    expect(report.outcome.result).toBe('success');
    const [got] = receiver.at(h.path);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-hook-id']).toBe(h.id);
    expect(got.headers['x-hook-type']).toBe('PRE_TRANSACTION');
    const timestamp = got.headers['x-blnk-timestamp'] as string;
    expect(timestamp).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${got.raw}`).digest('hex');
    expect(got.headers['x-blnk-signature']).toBe(expected);
    // Keys in Blnk's order; the big integer arrives as a bare number, digit for digit.
    expect(Object.keys(JSON.parse(got.raw))).toEqual([
      'transaction_id',
      'hook_type',
      'timestamp',
      'data',
    ]);
    expect(got.raw).toContain('"precise_amount":123456789012345678901234567890');
    expect(parseJson(got.raw)).toEqual({
      transaction_id: TX.transaction_id,
      hook_type: 'PRE_TRANSACTION',
      timestamp: clock.now().toISOString(),
      data: TX,
    });
  });

  it.each([
    ['an empty 2xx', 'success', answer(200)],
    ['an empty 204', 'success', answer(204)],
    ['a non-JSON 2xx', 'success', answer(200, 'ok')],
    ['a non-JSON 4xx', 'refused', answer(403, 'forbidden')],
    ['an empty 4xx', 'refused', answer(404)],
    ['a non-JSON 5xx', 'transient', answer(500, 'oops')],
    ['{"success": false}', 'refused', answer(200, '{"success": false, "message": "no"}')],
    ['a JSON object without success', 'refused', answer(200, '{}')],
    ['JSON null', 'refused', answer(200, 'null')],
    [
      '{"success": true} with a 400 (Blnk reads the JSON only)',
      'success',
      answer(400, '{"success":true}'),
    ],
    [
      'a JSON array with a 2xx (not a HookResponse: judged by status)',
      'success',
      answer(200, '[1]'),
    ],
    ['"success": "yes" with a 422', 'refused', answer(422, '{"success":"yes"}')],
  ] as [string, string, Handler][])('reads %s as %s', async (_name, result, handler) => {
    const h = await hook(handler);
    expect((await caller.call(h, TX)).outcome.result).toBe(result);
  });

  it("keeps the hook's message, without control characters, as the veto's reason", async () => {
    const h = await hook(
      answer(200, JSON.stringify({ success: false, message: 'over\u0000 limit\n' })),
    );
    expect(await caller.runPreHooks(TX)).toEqual({
      approved: false,
      message: 'over limit',
      hookId: h.id,
    });
  });

  it('retries a 5xx with exponential backoff and jitter, up to retry_count', async () => {
    const h = await hook((_q, res, n) => answer(n < 3 ? 503 : 200)(_q, res, n), {
      retryCount: 5,
    });
    const report = await caller.call(h, TX);
    expect(report).toMatchObject({ attempts: 3, outcome: { result: 'success' } });
    const s = new HookSettings();
    expect(timer.sleeps).toEqual([
      backoffMs(1, s.firstRetryDelayMs, s.maxRetryDelayMs, 0.5),
      backoffMs(2, s.firstRetryDelayMs, s.maxRetryDelayMs, 0.5),
    ]);
    expect(timer.sleeps[1]).toBeGreaterThan(timer.sleeps[0]);
  });

  it('stops after retry_count retries, and does not retry a deliberate answer', async () => {
    const down = await hook(answer(500), { retryCount: 2 });
    expect((await caller.call(down, TX)).attempts).toBe(3);
    const veto = await hook(answer(200, '{"success":false}'), { retryCount: 5 });
    expect((await caller.call(veto, TX)).attempts).toBe(1);
    const once = await hook(answer(500), { retryCount: 0 });
    expect((await caller.call(once, TX)).attempts).toBe(1);
  });

  it('gives up on an attempt after the hook timeout, and retries it', async () => {
    const h = await hook(() => undefined, { timeout: 1, retryCount: 1 });
    const started = Date.now();
    const report = await caller.call(h, TX);
    expect(report.outcome).toEqual({ result: 'unreachable', reason: 'timed out after 1000 ms' });
    expect(report.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(3500);
  });

  it('cuts off an answer that trickles in past the timeout', async () => {
    const h = await hook(
      (_q, res) => {
        res.writeHead(200);
        const t = setInterval(() => res.write(' '), 100).unref();
        res.on('close', () => clearInterval(t));
      },
      { timeout: 1 },
    );
    expect((await caller.call(h, TX)).outcome.result).toBe('unreachable');
  });

  it('reads at most maxAnswerBytes of an answer: a bigger one is a failure', async () => {
    const h = await hook((_q, res) => {
      res.writeHead(200);
      res.end('x'.repeat(10 * 1024 * 1024));
    });
    expect((await caller.call(h, TX)).outcome).toMatchObject({
      result: 'refused',
      reason: 'answered 200 with a body over the size limit',
    });
  });

  it('takes an answer cut off mid-body for no answer, and retries it', async () => {
    const h = await hook(
      (_q, res, n) => {
        if (n > 1) return answer(200)(_q, res, n);
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"success": tr');
        later(20, () => res.socket?.destroy());
      },
      { retryCount: 1 },
    );
    const report = await caller.call(h, TX);
    expect(report).toMatchObject({ attempts: 2, outcome: { result: 'success' } });
  });

  it('does not follow a redirect: the signed body goes nowhere else', async () => {
    const target = `/elsewhere${next}`;
    receiver.handlers.set(target, answer(200));
    const h = await hook(answer(307, '', { location: receiver.url + target }));
    expect((await caller.call(h, TX)).outcome).toMatchObject({ result: 'refused' });
    expect(receiver.at(target)).toHaveLength(0);
  });

  it('a blocking hook that times out or is unreachable refuses, unless fail_open', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}/hook`;
    await hook(null, { url: closed });
    const verdict = await caller.runPreHooks(TX);
    expect(verdict.approved).toBe(false);
    expect(verdict.message).toMatch(/could not be reached: ECONNREFUSED/);

    repo.hooks.clear();
    active.invalidate();
    await hook(null, { url: closed, failOpen: true });
    await hook(() => undefined, { timeout: 1, failOpen: true });
    expect(await caller.runPreHooks(TX)).toEqual({ approved: true });

    repo.hooks.clear();
    active.invalidate();
    await hook(() => undefined, { timeout: 1 });
    expect((await caller.runPreHooks(TX)).message).toMatch(/timed out after 1000 ms/);
  });

  it('fail_open does not cover an answer: a non-2xx still refuses', async () => {
    const h = await hook(answer(500, 'down'), { failOpen: true });
    expect(await caller.runPreHooks(TX)).toEqual({
      approved: false,
      message: `pre-transaction hook ${h.id} answered 500`,
      hookId: h.id,
    });
  });

  it('calls blocking hooks in parallel and does not wait for non-blocking ones', async () => {
    const slow: Handler = (_q, res) => later(400, () => res.end());
    await hook(slow);
    await hook(slow);
    const background = await hook((_q, res) => later(3000, () => res.end()), {
      blocking: false,
    });
    await hook(answer(200, '{"success":false}'), { active: false });
    await hook(answer(200, '{"success":false}'), { type: 'POST_TRANSACTION', blocking: false });
    const started = Date.now();
    expect(await caller.runPreHooks(TX)).toEqual({ approved: true });
    expect(Date.now() - started).toBeLessThan(750);
    expect(receiver.at(background.path)).toHaveLength(1);
  });

  it('answers on the first veto without waiting for slower hooks', async () => {
    await hook((_q, res) => later(3000, () => res.end()));
    const veto = await hook(answer(200, '{"success":false,"message":"blocked"}'));
    const started = Date.now();
    expect(await caller.runPreHooks(TX)).toEqual({
      approved: false,
      message: 'blocked',
      hookId: veto.id,
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('waits for blocking hooks no longer than maxPreHookWaitMs, whatever their retries', async () => {
    build(new HookSettings(SECRET, 200, 5000, 65536, 5000, 64, 10_000, 300));
    const h = await hook(() => undefined, { timeout: 5, retryCount: 10 });
    const started = Date.now();
    expect(await caller.runPreHooks(TX)).toEqual({
      approved: false,
      message: `pre-transaction hook ${h.id} did not answer within 300 ms`,
      hookId: h.id,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    repo.hooks.clear();
    active.invalidate();
    await hook(() => undefined, { timeout: 5, failOpen: true });
    expect(await caller.runPreHooks(TX)).toEqual({ approved: true });
  });

  it('approves at once when no hook is blocking', async () => {
    expect(await caller.runPreHooks(TX)).toEqual({ approved: true });
  });

  it('runPostHooks fires every active post hook and never throws', async () => {
    const a = await hook(answer(200), { type: 'POST_TRANSACTION', blocking: false });
    const b = await hook(null, {
      type: 'POST_TRANSACTION',
      blocking: false,
      url: `http://127.0.0.1:${await closedPort()}/x`,
    });
    const pre = await hook(answer(200));
    expect(caller.runPostHooks(TX)).toBeUndefined();
    await caller.settled();
    expect(receiver.at(a.path)).toHaveLength(1);
    expect(receiver.at(pre.path)).toHaveLength(0);
    expect(repo.hooks.get(a.id)).toMatchObject({ lastSuccess: true, lastRun: clock.now() });
    expect(repo.hooks.get(b.id)).toMatchObject({ lastSuccess: false, lastRun: clock.now() });
  });

  it('records last_run and last_success of every call', async () => {
    const h = await hook(answer(200, '{"success":false}'));
    await caller.call(h, TX);
    await caller.settled();
    expect(repo.hooks.get(h.id)).toMatchObject({ lastRun: clock.now(), lastSuccess: false });
    clock.advance(1000);
    receiver.handlers.set(h.path, answer(200));
    await caller.call(h, TX);
    await caller.settled();
    expect(repo.hooks.get(h.id)).toMatchObject({ lastRun: clock.now(), lastSuccess: true });
  });

  it('bounds the background calls in flight', async () => {
    build(new HookSettings(SECRET, 200, 5000, 65536, 5000, 2, 100));
    let inFlight = 0;
    let most = 0;
    const slow: Handler = (_q, res) => {
      most = Math.max(most, ++inFlight);
      later(100, () => {
        inFlight--;
        res.end();
      });
    };
    const paths: string[] = [];
    for (let i = 0; i < 5; i++) {
      paths.push((await hook(slow, { type: 'POST_TRANSACTION', blocking: false })).path);
    }
    caller.runPostHooks(TX);
    await caller.settled();
    expect(paths.map((p) => receiver.at(p).length)).toEqual([1, 1, 1, 1, 1]);
    expect(most).toBe(2);
  });

  it('a hook pointing at a server that wants a key gets its 401 and fails', async () => {
    const h = await hook(answer(401, '{"error":"Authentication required"}'));
    const verdict = await caller.runPreHooks(TX);
    expect(verdict).toMatchObject({ approved: false, hookId: h.id });
    expect(verdict.message).toBe(
      `pre-transaction hook ${h.id} answered 401 without "success": true`,
    );
  });
});
