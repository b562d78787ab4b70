import { BaselineName } from './baselines';
import { BenchClient } from './http-client';
import { Operation } from './load';

/** What every scenario can draw on: the API client and the seeded balances. */
export interface BenchWorld {
  client: BenchClient;
  /** Funded balance ids, uniform load picks among them. */
  balances: string[];
  /** The hot balance (funded far beyond what a run can drain). */
  hot: string;
}

export interface Scenario {
  name: string;
  description: string;
  baseline: BaselineName;
  /** Whether applying happens after the response (time-to-applied then comes from the outcome row). */
  queued: boolean;
  /** Counts answered requests instead of applied rows (the HTTP floor moves no money). */
  countsRequests?: boolean;
  /** Closed-loop concurrency that saturates it when its peak is measured. */
  concurrency: number;
  op(world: BenchWorld, prefix: string): Operation;
}

const AMOUNT = { amount: 1, precision: 100, currency: 'USD' };

function pick(world: BenchWorld): [string, string] {
  const n = world.balances.length;
  const a = Math.floor(Math.random() * n);
  let b = Math.floor(Math.random() * (n - 1));
  if (b >= a) b++;
  return [world.balances[a], world.balances[b]];
}

function transfer(world: BenchWorld, reference: string, skipQueue: boolean, extra = {}) {
  const [source, destination] = pick(world);
  return world.client.expect('POST', '/transactions', {
    ...AMOUNT,
    reference,
    source,
    destination,
    description: 'bench',
    skip_queue: skipQueue,
    ...extra,
  });
}

async function holdThen(world: BenchWorld, reference: string, status: 'commit' | 'void') {
  const hold = await transfer(world, reference, true, { inflight: true });
  await world.client.expect('PUT', `/transactions/inflight/${hold.transaction_id}`, {
    status,
    skip_queue: true,
  });
}

function bulk(world: BenchWorld, prefix: string, i: number, size: number) {
  return world.client.expect('POST', '/transactions/bulk', {
    atomic: true,
    skip_queue: true,
    transactions: Array.from({ length: size }, (_, k) => {
      const [source, destination] = pick(world);
      return {
        ...AMOUNT,
        reference: `${prefix}-${i}-${k}`,
        source,
        destination,
        description: 'bench',
      };
    }),
  });
}

export const BULK_SIZE = 500;

export const SCENARIOS: Scenario[] = [
  {
    name: 'http_floor',
    description:
      'GET / with the API key: the HTTP stack, auth and routing alone, no database (what any per-request scenario can at most reach)',
    baseline: 'R1',
    queued: false,
    countsRequests: true,
    concurrency: 32,
    op: (w) => async () => {
      await w.client.expect('GET', '/', undefined);
    },
  },
  {
    name: 'uniform_skip_queue',
    description: 'one transfer per request between random balances, applied before the response',
    baseline: 'R1',
    queued: false,
    concurrency: 32,
    op: (w, p) => (i) => transfer(w, `${p}-${i}`, true),
  },
  {
    name: 'uniform_queued',
    description: 'one transfer per request between random balances, queued (Blnk default)',
    baseline: 'R1',
    queued: true,
    concurrency: 32,
    op: (w, p) => (i) => transfer(w, `${p}-${i}`, false),
  },
  {
    name: 'hot_queued',
    description: 'every transfer from or to one hot balance, queued',
    baseline: 'R2',
    queued: true,
    concurrency: 32,
    op: (w, p) => (i) => {
      const [other] = pick(w);
      const [source, destination] = i % 2 ? [w.hot, other] : [other, w.hot];
      return w.client.expect('POST', '/transactions', {
        ...AMOUNT,
        reference: `${p}-${i}`,
        source,
        destination,
        description: 'bench',
      });
    },
  },
  {
    name: 'bulk_500',
    description: `${BULK_SIZE} transfers per atomic bulk request, skip_queue`,
    baseline: 'R3',
    queued: false,
    concurrency: 2,
    op: (w, p) => (i) => bulk(w, p, i, BULK_SIZE),
  },
  {
    name: 'inflight_commit',
    description: 'hold (inflight, skip_queue) then commit it: two requests per operation',
    baseline: 'R1',
    queued: false,
    concurrency: 32,
    op: (w, p) => (i) => holdThen(w, `${p}-${i}`, 'commit'),
  },
  {
    name: 'mixed_day',
    description:
      '60% queued transfers, 10% skip_queue, 10% hold+commit, 5% hold+void, 5% transfer+refund, 5% bulk of 10, 5% overdraw attempts (must be refused)',
    baseline: 'R1',
    queued: true,
    concurrency: 32,
    op: (w, p) => async (i) => {
      const ref = `${p}-${i}`;
      const k = i % 20;
      if (k < 12) return transfer(w, ref, false);
      if (k < 14) return transfer(w, ref, true);
      if (k < 16) return holdThen(w, ref, 'commit');
      if (k === 16) return holdThen(w, ref, 'void');
      if (k === 17) {
        const t = await transfer(w, ref, true);
        return w.client.expect('POST', `/refund-transaction/${t.transaction_id}`, {
          skip_queue: true,
        });
      }
      if (k === 18) return bulk(w, p, i, 10);
      const [source, destination] = pick(w);
      const r = await w.client.send('POST', '/transactions', {
        amount: 100_000_000, // far beyond any funded balance (1,000,000), within 15 digits
        precision: 100,
        currency: 'USD',
        reference: ref,
        source,
        destination,
        description: 'bench overdraw',
        skip_queue: true,
      });
      if (r.status !== 400 || !JSON.stringify(r.body).includes('TXN_INSUFFICIENT_FUNDS')) {
        throw new Error(`overdraw attempt was not refused: ${r.status} ${JSON.stringify(r.body)}`);
      }
    },
  },
];
