import { DrainLoops } from './drain-loops';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('DrainLoops', () => {
  it('folds wake-ups during a pass into one more pass, and resolves each after a pass that began later', async () => {
    const passes: number[] = [];
    const first = gate();
    const loops = new DrainLoops(
      async (lane) => {
        passes.push(lane);
        if (passes.length === 1) await first.opened;
      },
      () => undefined,
    );
    const a = loops.wake(3);
    const b = loops.wake(3);
    const c = loops.wake(3);
    expect(passes).toEqual([3]);
    first.open();
    await Promise.all([a, b, c]);
    expect(passes).toEqual([3, 3]);
    // A wake-up after the loop ended starts a new one.
    await loops.wake(3);
    expect(passes).toEqual([3, 3, 3]);
  });

  it('runs lanes independently', async () => {
    const passes: number[] = [];
    const loops = new DrainLoops(
      async (lane) => {
        passes.push(lane);
      },
      () => undefined,
    );
    await Promise.all([loops.wake(1), loops.wake(2)]);
    expect(passes.sort()).toEqual([1, 2]);
  });

  it('reports a failed pass and keeps the loop alive; a rethrowing handler fails the waiters', async () => {
    const seen: unknown[] = [];
    let fail = true;
    const logging = new DrainLoops(
      async () => {
        if (fail) {
          fail = false;
          throw new Error('db down');
        }
      },
      (_lane, e) => seen.push((e as Error).message),
    );
    await logging.wake(0);
    expect(seen).toEqual(['db down']);

    const strict = new DrainLoops(
      async () => {
        throw new Error('db down');
      },
      (_lane, e) => {
        throw e;
      },
    );
    await expect(strict.wake(0)).rejects.toThrow('db down');
  });

  it('stops going round once inactive', async () => {
    let active = true;
    let passes = 0;
    const loops = new DrainLoops(
      async () => {
        passes++;
        active = false;
      },
      () => undefined,
      () => active,
    );
    await loops.wake(0);
    await loops.wake(0);
    expect(passes).toBe(1);
  });

  describe('with a concurrency limit', () => {
    /** Drains that each wait for their own gate, recording when they start. */
    function gated(limit: number) {
      const started: number[] = [];
      const gates = new Map<number, ReturnType<typeof gate>[]>();
      const loops = new DrainLoops(
        async (lane) => {
          started.push(lane);
          const g = gate();
          gates.set(lane, [...(gates.get(lane) ?? []), g]);
          await g.opened;
        },
        () => undefined,
        undefined,
        limit,
      );
      const finish = async (lane: number) => {
        const g = gates.get(lane)!.shift()!;
        g.open();
        await new Promise((r) => setImmediate(r));
      };
      return { loops, started, finish };
    }

    it('drains at most that many lanes at once, the others in the order they were woken', async () => {
      const { loops, started, finish } = gated(2);
      const done = [4, 1, 3, 2].map((lane) => loops.wake(lane));
      expect(started).toEqual([4, 1]);
      await finish(1);
      expect(started).toEqual([4, 1, 3]);
      await finish(4);
      expect(started).toEqual([4, 1, 3, 2]);
      await finish(3);
      await finish(2);
      await Promise.all(done);
    });

    it('folds every wake-up of a waiting lane into its one next pass', async () => {
      const { loops, started, finish } = gated(1);
      const first = loops.wake(0);
      const waiting = [loops.wake(7), loops.wake(7), loops.wake(7)];
      expect(started).toEqual([0]);
      await finish(0);
      await first;
      expect(started).toEqual([0, 7]);
      await finish(7);
      await Promise.all(waiting);
      expect(started).toEqual([0, 7]);
    });

    it('sends a lane woken again during its pass to the back of the line', async () => {
      const { loops, started, finish } = gated(1);
      const done = [loops.wake(5), loops.wake(6)];
      loops.wake(5); // more work for 5 while it drains
      await finish(5);
      expect(started).toEqual([5, 6]); // 6 waited longer, so it goes first
      await finish(6);
      expect(started).toEqual([5, 6, 5]);
      await finish(5);
      await Promise.all(done);
    });

    it('gives the slot back when a failed pass ends the loop', async () => {
      const passes: number[] = [];
      const strict = new DrainLoops(
        async (lane) => {
          passes.push(lane);
          if (lane === 1) throw new Error('db down');
        },
        (_lane, e) => {
          throw e;
        },
        undefined,
        1,
      );
      await expect(strict.wake(1)).rejects.toThrow('db down');
      await strict.wake(2);
      await strict.wake(1).catch(() => undefined);
      expect(passes).toEqual([1, 2, 1]);
    });

    it('refuses a limit below one', () => {
      expect(
        () =>
          new DrainLoops(
            async () => undefined,
            () => undefined,
            undefined,
            0,
          ),
      ).toThrow(/at least 1/);
    });
  });
});
