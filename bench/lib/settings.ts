import { join, resolve } from 'node:path';
import { SCENARIOS } from './scenarios';

/** The checkout's root (this file runs from dist/bench/lib). */
export const ROOT = resolve(__dirname, '..', '..', '..');

export interface Settings {
  quick: boolean;
  pg: URL;
  redis: URL;
  balances: number;
  batch: number;
  clientCounts: number[];
  baselineSeconds: number;
  scenarioSeconds: number;
  latencySeconds: number;
  soakMinutes: number;
  apiProcesses: number;
  workerProcesses: number;
  /** Where Neraca's processes write V8 CPU profiles (`--profile DIR`), if anywhere. */
  profileDir?: string;
  scenarios: string[];
  keep: boolean;
  /** `--webhook-receiver`: deliver the outbox to a receiver on loopback during the run. */
  webhookReceiver: boolean;
  out: string;
}

export function parseArgs(argv: string[]): Settings {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag('quick');
  const pgUrl = new URL(
    value('pg') ??
      process.env.BLNK_DATA_SOURCE_DNS ??
      'postgres://postgres@127.0.0.1:5432/postgres',
  );
  pgUrl.search = '';
  return {
    quick,
    pg: pgUrl,
    redis: new URL(value('redis') ?? process.env.BLNK_REDIS_DNS ?? 'redis://127.0.0.1:6379/0'),
    balances: Number(value('balances') ?? (quick ? 2_000 : 100_000)),
    batch: 500,
    clientCounts: quick ? [4, 16] : [1, 4, 8, 16, 32],
    baselineSeconds: quick ? 2 : 10,
    scenarioSeconds: Number(value('seconds') ?? (quick ? 3 : 20)),
    latencySeconds: quick ? 3 : 20,
    soakMinutes: Number(value('soak-minutes') ?? (quick ? 1 / 6 : 10)),
    apiProcesses: Number(value('api') ?? 1),
    profileDir: value('profile'),
    workerProcesses: Number(value('workers') ?? 1),
    scenarios: (value('scenarios') ?? SCENARIOS.map((s) => s.name).join(',')).split(','),
    keep: flag('keep'),
    webhookReceiver: flag('webhook-receiver'),
    out: value('out') ?? join(ROOT, 'bench', 'results'),
  };
}
