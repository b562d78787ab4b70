import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './neraca-config';
import { snapshotScheduleFrom } from './snapshot-schedule';

const cwd = () => mkdtempSync(join(tmpdir(), 'neraca-snap-'));

describe('balance_snapshots.* configuration', () => {
  it('is on by default, at 00:05 UTC, 1000 balances a batch', () => {
    expect(snapshotScheduleFrom(loadConfig({ cwd: cwd(), env: {} }))).toEqual({
      enabled: true,
      minuteOfDay: 5,
      batchSize: 1000,
    });
  });

  it('reads the environment: off switch, time, batch size (at most 10000)', () => {
    const env = {
      NERACA_BALANCE_SNAPSHOTS_ENABLED: 'false',
      NERACA_BALANCE_SNAPSHOTS_TIME: '23:30',
      NERACA_BALANCE_SNAPSHOTS_BATCH_SIZE: '50000',
    };
    expect(snapshotScheduleFrom(loadConfig({ cwd: cwd(), env }))).toEqual({
      enabled: false,
      minuteOfDay: 23 * 60 + 30,
      batchSize: 10000,
    });
  });

  it('refuses a time that is not HH:MM, naming the key', () => {
    const config = loadConfig({ cwd: cwd(), env: { NERACA_BALANCE_SNAPSHOTS_TIME: '25:00' } });
    expect(() => snapshotScheduleFrom(config)).toThrow(ConfigError);
    expect(() => snapshotScheduleFrom(config)).toThrow(/balance_snapshots\.time_of_day/);
  });
});
