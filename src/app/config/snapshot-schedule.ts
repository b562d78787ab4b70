import { SnapshotSchedule } from '../../modules/balance/application/snapshot-schedule';
import { MAX_SNAPSHOT_BATCH, parseTimeOfDay } from '../../modules/balance/domain/balance-history';
import { ConfigError, NeracaConfig } from './neraca-config';

/** `balance_snapshots.*`: the daily snapshot run (docs/operations.md, "Balance snapshots"). */
export function snapshotScheduleFrom(config: NeracaConfig): SnapshotSchedule {
  const time = config.get<string>('balance_snapshots.time_of_day');
  const minute = parseTimeOfDay(time);
  if (minute === undefined) {
    throw new ConfigError(
      `invalid configuration: balance_snapshots.time_of_day must be a UTC time HH:MM, got ${JSON.stringify(time)}`,
    );
  }
  return new SnapshotSchedule(
    config.get<boolean>('balance_snapshots.enabled'),
    minute,
    Math.min(config.get<number>('balance_snapshots.batch_size'), MAX_SNAPSHOT_BATCH),
  );
}
