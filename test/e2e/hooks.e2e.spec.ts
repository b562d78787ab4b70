import { createHmac } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { HookCallerService } from '../../src/modules/hook/application/hook-caller.service';
import { createScopedKey, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait';

const HOOK = {
  name: 'fraud check',
  url: 'https://hooks.example.com/blnk',
  type: 'PRE_TRANSACTION',
  active: true,
  timeout: 10,
  retry_count: 2,
};

/** /hooks (reference §2.11) over real HTTP, and the caller as the running app builds it. */
describe('transaction hooks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const expectError = (
    r: { status: number; json: any },
    status: number,
    code: string,
    legacy?: string,
  ) => {
    expect({ status: r.status, code: r.json?.error_detail?.code }).toEqual({ status, code });
    if (legacy) {
      // Blnk's hooks shape: top-level code, message and details beside error_detail.
      expect(r.json).toMatchObject({
        code: legacy,
        message: r.json.error_detail.message,
        details: {},
      });
    }
  };

  it('creates, reads, lists, replaces and deletes a hook through the official SDK', async () => {
    const blnk = BlnkInit(t.key, { baseUrl: t.url });
    const created = await blnk.Hooks.create({ ...HOOK, type: 'PRE_TRANSACTION' });
    expect(created.status).toBe(201);
    const hook = created.data!;
    expect(hook).toEqual({
      id: expect.stringMatching(/^hook_[0-9a-f-]{36}$/),
      ...HOOK,
      blocking: false,
      fail_open: false,
      created_at: expect.any(String),
      last_run: '0001-01-01T00:00:00Z',
      last_success: false,
    });
    expect((await blnk.Hooks.get(hook.id)).data).toEqual(hook);
    const post = await blnk.Hooks.create({ ...HOOK, name: 'audit', type: 'POST_TRANSACTION' });
    const ids = (r: { data: { id: string }[] | null }) => r.data!.map((h) => h.id);
    expect(ids(await blnk.Hooks.list())).toEqual(expect.arrayContaining([hook.id, post.data!.id]));
    expect(ids(await blnk.Hooks.list({ type: 'POST_TRANSACTION' }))).toContain(post.data!.id);
    expect(ids(await blnk.Hooks.list({ type: 'POST_TRANSACTION' }))).not.toContain(hook.id);

    const updated = await blnk.Hooks.update(hook.id, {
      ...HOOK,
      name: 'renamed',
      type: 'POST_TRANSACTION',
      timeout: 400,
      retry_count: 50,
    });
    expect(updated.status).toBe(200);
    expect(updated.data).toEqual({
      ...hook,
      name: 'renamed',
      type: 'POST_TRANSACTION',
      timeout: 300,
      retry_count: 10,
    });
    expect(ids(await blnk.Hooks.list({ type: 'POST_TRANSACTION' }))).toContain(hook.id);

    const deleted = await blnk.Hooks.delete(hook.id);
    expect(deleted).toMatchObject({ status: 200, data: { message: 'hook deleted successfully' } });
    const gone = await t.http('GET', `/hooks/${hook.id}`);
    expectError(gone, 404, 'HOOK_NOT_FOUND', 'NOT_FOUND');
    expect(gone.json.message).toBe(`hook not found: ${hook.id}`);
  });

  it('answers the master key alone: 403 AUTH_MASTER_KEY_REQUIRED for any scoped key', async () => {
    const all = await createScopedKey(t, ['*:*'], 'hooks-all');
    const hooksOnly = await createScopedKey(t, ['hooks:*'], 'hooks-only');
    const none = await createScopedKey(t, ['ledgers:read'], 'hooks-none');
    const existing = (await t.http('POST', '/hooks', HOOK)).json.id as string;
    const calls: [string, string, unknown?][] = [
      ['POST', '/hooks', HOOK],
      ['GET', '/hooks'],
      ['GET', `/hooks/${existing}`],
      ['PUT', `/hooks/${existing}`, HOOK],
      ['DELETE', `/hooks/${existing}`],
    ];
    for (const { key } of [all, hooksOnly, none]) {
      for (const [method, path, body] of calls) {
        const r = await t.http(method, path, body, { 'x-blnk-key': key });
        expectError(r, 403, 'AUTH_MASTER_KEY_REQUIRED');
        expect(r.json.error).toBe('hook management requires master key');
      }
    }
    expectError(
      await t.http('GET', '/hooks', undefined, { 'x-blnk-key': '' }),
      401,
      'AUTH_MISSING_API_KEY',
    );
    // Nothing a scoped key sent changed the hook.
    expect((await t.http('GET', `/hooks/${existing}`)).json).toMatchObject({ name: HOOK.name });
  });

  it('refuses bad input with 4xx in the hooks error shape', async () => {
    const post = (body: unknown) => t.http('POST', '/hooks', body);
    const noUrl = await post({ type: 'PRE_TRANSACTION' });
    expectError(noUrl, 400, 'HOOK_INVALID', 'INVALID_INPUT');
    expect(noUrl.json.message).toBe('failed to register hook: hook URL is required');
    const badType = await post({ url: HOOK.url, type: 'DURING_TRANSACTION' });
    expectError(badType, 400, 'HOOK_INVALID', 'INVALID_INPUT');
    expect(badType.json.message).toContain('invalid hook type: DURING_TRANSACTION');
    const wrongType = await post({ ...HOOK, retry_count: 'three' });
    expectError(wrongType, 400, 'HOOK_INVALID', 'INVALID_INPUT');
    expect(wrongType.json.message).toBe('invalid hook data: retry_count must be an integer');
    const postBlocking = await post({ ...HOOK, type: 'POST_TRANSACTION', blocking: true });
    expectError(postBlocking, 400, 'HOOK_INVALID', 'INVALID_INPUT');
    expect(postBlocking.json.message).toContain('blocking applies to PRE_TRANSACTION hooks only');
    for (const url of [
      'ftp://hooks.example.com/',
      'not a url',
      'http://user:secret@hooks.example.com/',
      'http://127.0.0.1:25/',
      `https://hooks.example.com/${'x'.repeat(3000)}`,
    ]) {
      expectError(await post({ ...HOOK, url }), 400, 'HOOK_INVALID', 'INVALID_INPUT');
    }
    const huge = `{"url":"${HOOK.url}","type":"PRE_TRANSACTION","timeout":1e400}`;
    expectError(await post(huge), 400, 'HOOK_INVALID', 'INVALID_INPUT');
    const bigInt = `{"url":"${HOOK.url}","type":"PRE_TRANSACTION","timeout":${'9'.repeat(300)}}`;
    expect((await post(bigInt)).json.timeout).toBe(300);
    expectError(await post('{"url":'), 400, 'GEN_MALFORMED_REQUEST');
    expectError(await post([HOOK]), 400, 'HOOK_INVALID', 'INVALID_INPUT');
    expectError(await post({ ...HOOK, id: 'has/slash' }), 400, 'HOOK_INVALID', 'INVALID_INPUT');
    expectError(await t.http('GET', '/hooks?type=ALL'), 400, 'HOOK_INVALID', 'INVALID_INPUT');
    const put = await t.http('PUT', '/hooks/hook_missing', HOOK);
    expectError(put, 404, 'HOOK_NOT_FOUND', 'INVALID_INPUT');
    expect(put.json.message).toBe('failed to update hook: hook not found: hook_missing');
    const del = await t.http('DELETE', '/hooks/hook_missing');
    expectError(del, 404, 'HOOK_NOT_FOUND', 'INVALID_INPUT');
    expectError(await t.http('GET', `/hooks/${'z'.repeat(600)}`), 404, 'HOOK_NOT_FOUND');
    expect((await t.http('GET', '/hooks/a%00b')).status).toBe(400);
  });

  it('keeps a caller-chosen id, refuses it twice, and ignores the id of a PUT body', async () => {
    const r = await t.http('POST', '/hooks', { ...HOOK, id: 'hook_mine' });
    expect(r.status).toBe(201);
    expect(r.json.id).toBe('hook_mine');
    expectError(
      await t.http('POST', '/hooks', { ...HOOK, id: 'hook_mine' }),
      409,
      'GEN_CONFLICT',
      'CONFLICT',
    );
    const put = await t.http('PUT', '/hooks/hook_mine', { ...r.json, id: 'hook_other', name: 'x' });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id: 'hook_mine', name: 'x', created_at: r.json.created_at });
  });

  it('gives a caller-chosen id to one of many racing creations, 409 to the others', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.http('POST', '/hooks', { ...HOOK, id: 'hook_race' })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    await t.http('DELETE', '/hooks/hook_race');
  });

  it('leaves one whole update when many race on one hook', async () => {
    const id = (await t.http('POST', '/hooks', HOOK)).json.id as string;
    const bodies = Array.from({ length: 12 }, (_, i) => ({
      ...HOOK,
      name: `n${i}`,
      timeout: i + 1,
      retry_count: i % 11,
      blocking: i % 2 === 0,
    }));
    const answers = await Promise.all(bodies.map((b) => t.http('PUT', `/hooks/${id}`, b)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
    const final = (await t.http('GET', `/hooks/${id}`)).json;
    const i = Number(final.name.slice(1));
    expect(final).toMatchObject({
      timeout: i + 1,
      retry_count: i % 11,
      blocking: i % 2 === 0,
    });
  });

  describe('the caller in the running app', () => {
    let receiver: Server;
    let url = '';
    let answer = '{"success": true}';
    const seen: string[] = [];
    let badSignatures = 0;

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        seen.push(req.headers['x-hook-id'] as string);
        let raw = '';
        req.on('data', (c: Buffer) => (raw += c.toString()));
        req.on('end', () => {
          const expected = createHmac('sha256', t.key)
            .update(`${req.headers['x-blnk-timestamp'] as string}.${raw}`)
            .digest('hex');
          if (req.headers['x-blnk-signature'] !== expected) badSignatures++;
          res.end(answer);
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    });
    afterAll(async () => {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    });

    const clear = async () => {
      for (const h of (await t.http('GET', '/hooks')).json as { id: string }[]) {
        await t.http('DELETE', `/hooks/${h.id}`);
      }
    };

    it('vetoes with the hook message, sees changes at once, and records last_run', async () => {
      await clear();
      const caller = t.app.get(HookCallerService);
      answer = '{"success": false, "message": "amount over the daily limit"}';
      const id = (await t.http('POST', '/hooks', { ...HOOK, url, blocking: true })).json.id;
      const tx = { transaction_id: 'txn_1', precise_amount: 10n ** 30n };
      expect(await caller.runPreHooks(tx)).toEqual({
        approved: false,
        message: 'amount over the daily limit',
        hookId: id,
      });
      await caller.settled();
      const after = (await t.http('GET', `/hooks/${id}`)).json;
      expect(after.last_success).toBe(false);
      expect(after.last_run).not.toBe('0001-01-01T00:00:00Z');

      // Made inactive through this process's API: the cache is dropped, the next call approves.
      await t.http('PUT', `/hooks/${id}`, { ...HOOK, url, blocking: true, active: false });
      const before = seen.length;
      expect(await caller.runPreHooks(tx)).toEqual({ approved: true });
      expect(seen.length).toBe(before);
      // Signed with the server secret key (the master key of this server).
      expect(seen.length).toBeGreaterThan(0);
      expect(badSignatures).toBe(0);
    });

    it('a hook aimed at the server itself gets a 401 (no key is sent) and refuses', async () => {
      await clear();
      const caller = t.app.get(HookCallerService);
      const self = `${t.url}/transactions`;
      const id = (await t.http('POST', '/hooks', { ...HOOK, url: self, blocking: true })).json.id;
      const verdict = await caller.runPreHooks({ transaction_id: 'txn_2' });
      expect(verdict).toMatchObject({ approved: false, hookId: id });
      expect(verdict.message).toContain('answered 401');
      await clear();
    });

    it('post hooks run in the background and record their outcome', async () => {
      await clear();
      answer = '';
      const caller = t.app.get(HookCallerService);
      const id = (await t.http('POST', '/hooks', { ...HOOK, url, type: 'POST_TRANSACTION' })).json
        .id as string;
      caller.runPostHooks({ transaction_id: 'txn_3' });
      await waitFor(async () => {
        const h = (await t.http('GET', `/hooks/${id}`)).json;
        return h.last_success ? h : undefined;
      });
    });
  });
});

describe('transaction hooks with authentication turned off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ secure: false, workers: false });
  });
  afterAll(() => t.close());

  it('can be managed (Blnk answers 403 to every call in this mode)', async () => {
    const r = await t.http('POST', '/hooks', HOOK, { 'x-blnk-key': '' });
    expect(r.status).toBe(201);
    expect(
      (await t.http('GET', `/hooks/${r.json.id}`, undefined, { 'x-blnk-key': '' })).status,
    ).toBe(200);
  });
});
