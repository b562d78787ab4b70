import { GroupCommit, Outcome } from './group-commit';
import { RequestClaim, RequestClaims } from './request-claim';

function deferred() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return { gate, release };
}

describe('GroupCommit', () => {
  it('runs a lone request alone, then batches what arrives while it runs, in arrival order', async () => {
    const batches: number[][] = [];
    const first = deferred();
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      runOne: async (x) => {
        batches.push([x]);
        if (x === 0) await first.gate;
        return x * 2;
      },
      runBatch: async (xs) => {
        batches.push(xs);
        return xs.map((x) => ({ ok: true, value: x * 2 }));
      },
    });
    const results = [gc.submit(0), gc.submit(1), gc.submit(2), gc.submit(3)];
    first.release();
    expect(await Promise.all(results)).toEqual([0, 2, 4, 6]);
    expect(batches).toEqual([[0], [1, 2, 3]]);
  });

  it('gives each request its own outcome: one refusal does not fail the others', async () => {
    const first = deferred();
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      runOne: async (x) => {
        await first.gate;
        return x;
      },
      runBatch: async (xs) =>
        xs.map((x): Outcome<number> =>
          x === 2 ? { ok: false, error: new Error('no') } : { ok: true, value: x },
        ),
    });
    const all = [0, 1, 2, 3].map((x) => gc.submit(x).then(String, (e: Error) => e.message));
    first.release();
    expect(await Promise.all(all)).toEqual(['0', '1', 'no', '3']);
  });

  it('retries every request on its own when a batch fails as a whole', async () => {
    const first = deferred();
    const alone: number[] = [];
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      runOne: async (x) => {
        if (x === 0) await first.gate;
        alone.push(x);
        if (x === 3) throw new Error('three');
        return x;
      },
      runBatch: async () => {
        throw new Error('statement failed');
      },
    });
    const all = [0, 1, 2, 3].map((x) => gc.submit(x).then(String, (e: Error) => e.message));
    first.release();
    expect(await Promise.all(all)).toEqual(['0', '1', '2', 'three']);
    expect(alone.sort()).toEqual([0, 1, 2, 3]);
  });

  it('never has more than maxConcurrent batches in flight, nor more than maxBatch per batch', async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const work = async <T>(v: T) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return v;
    };
    const gc = new GroupCommit<number, number>({
      maxBatch: 3,
      maxConcurrent: 2,
      runOne: (x) => work(x),
      runBatch: (xs) => {
        sizes.push(xs.length);
        return work(xs.map((x) => ({ ok: true as const, value: x })));
      },
    });
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => gc.submit(i)));
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBeLessThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
  });

  it('falls back one request at a time in the failed batch slot, and reports the failure', async () => {
    let inFlight = 0;
    let most = 0;
    const failures: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      runBatch: async () => {
        throw new Error('aborted');
      },
      runOne: async (x) => {
        inFlight++;
        most = Math.max(most, inFlight);
        if (x === 0) await gate;
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        return x;
      },
      onBatchError: (_e, n) => failures.push(n),
    });
    const first = gc.submit(0);
    const rest = [1, 2, 3, 4].map((x) => gc.submit(x));
    release();
    expect(await Promise.all([first, ...rest])).toEqual([0, 1, 2, 3, 4]);
    expect(failures).toEqual([4]);
    expect(most).toBe(1);
  });

  it('refuses at once when too many requests wait', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      maxWaiting: 2,
      runBatch: async (xs) => xs.map((value) => ({ ok: true as const, value })),
      runOne: async (x) => {
        await gate;
        return x;
      },
    });
    const running = gc.submit(0);
    const waiting = [gc.submit(1), gc.submit(2)];
    await expect(gc.submit(3)).rejects.toMatchObject({ code: 'QUEUE_BACKPRESSURE' });
    release();
    expect(await Promise.all([running, ...waiting])).toEqual([0, 1, 2]);
  });

  it('never batches a request with a claim, and runs each in its own context', async () => {
    const claim = (name: string): RequestClaim & { name: string } => ({
      name,
      pending: true,
      open: async () => undefined,
      close: async () => false,
      committed: () => undefined,
    });
    const seen: string[] = [];
    const current = () => (RequestClaims.pending() as { name?: string } | undefined)?.name ?? '-';
    const first = deferred();
    const gc = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      runOne: async (x) => {
        seen.push(`one ${x} ${current()}`);
        if (x === 0) await first.gate;
        return x;
      },
      runBatch: async (xs) => {
        seen.push(`batch ${xs.join(',')} ${current()}`);
        return xs.map((value) => ({ ok: true as const, value }));
      },
    });
    const submitAs = (c: RequestClaim | undefined, x: number) =>
      RequestClaims.run(c, () => gc.submit(x));
    // 0 (claim a) holds the slot; 1, 2 wait, then 3 with claim b, then 4, 5.
    const all = [
      submitAs(claim('a'), 0),
      submitAs(undefined, 1),
      submitAs(undefined, 2),
      submitAs(claim('b'), 3),
      submitAs(undefined, 4),
      submitAs(undefined, 5),
    ];
    first.release();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen).toEqual(['one 0 a', 'batch 1,2 -', 'one 3 b', 'batch 4,5 -']);
  });
});
