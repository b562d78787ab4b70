import Fastify, { FastifyInstance } from 'fastify';
import { createAppLogger } from './app-logger';
import { registerRequestLogging, requestIdFrom } from './request-logging';

/** Fastify with the request logging alone, answered in memory (inject: no socket). */
function server() {
  const chunks: string[] = [];
  const logger = createAppLogger(
    { level: 'trace', format: 'json' },
    { write: (s: string) => void chunks.push(s) },
  );
  const fastify: FastifyInstance = Fastify();
  registerRequestLogging(fastify, logger.root);
  let later: Promise<void> | undefined;
  let release: () => void = () => undefined;
  fastify.post('/things/:id', async () => {
    logger.nest.log('handling', 'Things');
    // Work the request starts and that goes on after its answer (an in-process drain, say).
    later = new Promise<void>((r) => (release = r)).then(() =>
      logger.nest.log('after the answer', 'Things'),
    );
    return { ok: true };
  });
  const lines = () =>
    chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    fastify,
    lines,
    finishLater: async () => {
      release();
      await later;
    },
  };
}

describe('request logging', () => {
  it('binds the request id and the key id to what the handler logs', async () => {
    const s = server();
    const res = await s.fastify.inject({
      method: 'POST',
      url: '/things/th_1?token=x',
      headers: { 'x-request-id': 'req-42' },
      payload: { a: 1 },
    });
    expect(res.headers['x-request-id']).toBe('req-42');
    expect(s.lines()).toEqual([
      expect.objectContaining({
        msg: 'handling',
        component: 'Things',
        request_id: 'req-42',
        key_id: 'anonymous',
      }),
      expect.objectContaining({
        msg: 'request completed',
        request_id: 'req-42',
        key_id: 'anonymous',
        route: '/things/:id',
        status: 200,
      }),
    ]);
  });

  it('leaves the request id off what a request started and logs after its answer', async () => {
    const s = server();
    await s.fastify.inject({ method: 'POST', url: '/things/th_1', payload: {} });
    await s.finishLater();
    const after = s.lines().find((l) => l.msg === 'after the answer');
    expect(after).toBeDefined();
    expect(after!.request_id).toBeUndefined();
  });

  it('keeps a well-formed incoming id and generates one for anything else', () => {
    for (const id of [
      'abc',
      '01HZXJ8Q',
      'Root=1-5759e988-bd862e3fe1be46a994272793',
      'a:b/c+d.e_f-g',
    ])
      expect(requestIdFrom(id)).toBe(id);
    for (const bad of [undefined, '', 'a b', 'x'.repeat(129), 'a,b', 'ü', '"quoted"', ['a', 'b']])
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
