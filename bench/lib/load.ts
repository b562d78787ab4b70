/**
 * Load generators. `openLoop` is the constant-arrival-rate generator: operation i is due at
 * start + i/rate whatever happened to earlier ones, and its latency is measured from that due
 * time, so a slow server cannot hide its queueing (no coordinated omission). `saturate` keeps a
 * fixed number of operations in flight to find the peak a scenario can sustain.
 */
export type Operation = (i: number) => Promise<void>;

export interface LoadResult {
  started: number;
  finished: number;
  ops: number;
  errors: number;
  latencies: number[];
  /** Due time (epoch ms) of each operation, for time-to-applied. */
  dueAt: Float64Array;
  errorSamples: string[];
}

function emptyResult(operations: number): LoadResult {
  return {
    started: Date.now(),
    finished: 0,
    ops: 0,
    errors: 0,
    latencies: [],
    dueAt: new Float64Array(operations),
    errorSamples: [],
  };
}

function record(result: LoadResult, e: unknown): void {
  result.errors++;
  if (result.errorSamples.length < 5) result.errorSamples.push(String((e as Error)?.message ?? e));
}

export async function openLoop(opts: {
  rate: number;
  durationMs: number;
  maxInFlight: number;
  op: Operation;
}): Promise<LoadResult> {
  const total = Math.max(1, Math.round((opts.rate * opts.durationMs) / 1000));
  const result = emptyResult(total);
  const start = performance.now();
  const epoch0 = Date.now();
  let next = 0;
  let inFlight = 0;
  let settled = 0;
  await new Promise<void>((done) => {
    const launch = (i: number, due: number) => {
      inFlight++;
      result.dueAt[i] = epoch0 + (due - start);
      opts
        .op(i)
        .then(
          () => {
            result.ops++;
            result.latencies.push(performance.now() - due);
          },
          (e) => record(result, e),
        )
        .finally(() => {
          inFlight--;
          settled++;
          if (settled === total) done();
          else pump();
        });
    };
    const pump = () => {
      const now = performance.now();
      // Everything due by now goes out, as long as the in-flight cap allows; what the cap holds
      // back keeps its original due time, so the wait counts in its latency.
      while (
        next < total &&
        start + (next * 1000) / opts.rate <= now &&
        inFlight < opts.maxInFlight
      ) {
        launch(next, start + (next * 1000) / opts.rate);
        next++;
      }
    };
    const timer = setInterval(() => {
      pump();
      if (next >= total) clearInterval(timer);
    }, 1);
  });
  result.finished = Date.now();
  return result;
}

export async function saturate(opts: {
  concurrency: number;
  durationMs: number;
  op: Operation;
}): Promise<LoadResult> {
  const result = emptyResult(0);
  const due: number[] = [];
  const stopAt = performance.now() + opts.durationMs;
  let next = 0;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const i = next++;
      const t0 = performance.now();
      due[i] = Date.now();
      try {
        await opts.op(i);
        result.ops++;
        result.latencies.push(performance.now() - t0);
      } catch (e) {
        record(result, e);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  result.finished = Date.now();
  result.dueAt = Float64Array.from(due);
  return result;
}
