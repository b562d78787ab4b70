import { pollingLoop } from './background-job';

describe('pollingLoop', () => {
  it('runs again at once while a round reports more work, waits after one that did not or threw, and stops after the round under way', async () => {
    const log: string[] = [];
    const answers = [true, true, false, 'throw', false];
    let release!: () => void;
    const lastRound = new Promise<void>((r) => (release = r));
    const errors: unknown[] = [];
    const stop = pollingLoop(
      async () => {
        const a = answers.shift();
        log.push(`round:${String(a)}`);
        if (a === undefined) {
          await lastRound; // the round under way when stop() is called
          log.push('round:end');
          return true;
        }
        if (a === 'throw') throw new Error('boom');
        return a as boolean;
      },
      () => {
        log.push('wait');
        return 1;
      },
      (e) => errors.push(e),
    );
    while (!log.includes('round:undefined')) await new Promise((r) => setTimeout(r, 1));
    const stopped = stop();
    release();
    await stopped;
    expect(log).toEqual([
      'round:true',
      'round:true',
      'round:false',
      'wait',
      'round:throw',
      'wait',
      'round:false',
      'wait',
      'round:undefined',
      'round:end',
    ]);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('stop wakes a loop that is waiting, without waiting out its interval', async () => {
    let rounds = 0;
    const stop = pollingLoop(
      async () => {
        rounds++;
        return false;
      },
      () => 3_600_000,
      () => undefined,
    );
    await stop(); // would hang (the test times out) if it waited out the hour
    expect(rounds).toBe(1);
  });
});
