/**
 * `npx swc bench libs src -d /tmp/decode-dist`, then
 * `NODE_PATH=$PWD/node_modules node /tmp/decode-dist/bench/decode.js [--rounds N] [--bodies N]`
 * (NODE_PATH: the output is outside the checkout, so it would not find its packages).
 *
 * What validating a transfer body costs the API: `validateDto(RecordTransactionDto, body)` with
 * the class's hand-written decoder (libs/http/dto-decoder.ts) against the same call through
 * class-transformer + class-validator (`validateDtoByDecorators`), both with the shared
 * pre-check. Bodies are the bench's (bench/lib/scenarios.ts): the uniform skip_queue transfer,
 * and the 500 items of a bulk_500 request, each parsed from JSON text by the request parser.
 * Rounds alternate which side goes first; each side's wall time and process CPU time
 * (process.cpuUsage, user + system) are summed over the rounds, and the median round is shown.
 */
import 'reflect-metadata';
import { parseJson } from '@libs/core/json';
import { validateDto, validateDtoByDecorators } from '@libs/http/validation.pipe';
import {
  BulkTransactionsDto,
  RecordTransactionDto,
} from '../src/modules/transaction/interface/http/transaction.dto';

const log = (s: string) => process.stdout.write(`${s}\n`);
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const ROUNDS = arg('rounds', 30);
const BODIES = arg('bodies', 1000);
const BULK_SIZE = 500;

const balance = (i: number) =>
  `bln_${(0x1000000 + i * 7919).toString(16)}-0000-7000-8000-000000000000`;
const transfer = (i: number, skipQueue?: boolean) => ({
  amount: 1,
  precision: 100,
  currency: 'USD',
  reference: `bench-${i}`,
  source: balance(i),
  destination: balance(i + 1),
  description: 'bench',
  ...(skipQueue === undefined ? {} : { skip_queue: skipQueue }),
});

const singles = Array.from(
  { length: BODIES },
  (_, i) => parseJson(JSON.stringify(transfer(i, true))) as object,
);
const bulk = parseJson(
  JSON.stringify({
    atomic: true,
    skip_queue: true,
    transactions: Array.from({ length: BULK_SIZE }, (_, k) => transfer(k)),
  }),
) as { transactions: object[] };

type Validate = (cls: new () => object, body: object) => object | string;
const sides: [string, Validate][] = [
  ['class-validator', validateDtoByDecorators],
  ['decoder', validateDto],
];

function check(r: object | string): void {
  if (typeof r === 'string') throw new Error(r);
}

/** One pass of a workload with `validate`: [wall µs, CPU µs]. */
function pass(work: (validate: Validate) => void, validate: Validate): [number, number] {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  work(validate);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return [wall, cpu.user + cpu.system];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(name: string, units: number, work: (validate: Validate) => void): void {
  for (const [, v] of sides) for (let i = 0; i < 3; i++) work(v); // warm up both
  const wall = sides.map(() => [] as number[]);
  const cpu = sides.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const s of order) {
      const [w, c] = pass(work, sides[s][1]);
      wall[s].push(w);
      cpu[s] += c;
    }
  }
  log(`\n${name} (${units} bodies a pass, ${ROUNDS} rounds)`);
  log('| side | median wall µs/body | CPU µs/body |');
  log('| --- | --- | --- |');
  const perBody = sides.map((_, s) => ({
    wall: median(wall[s]) / units,
    cpu: cpu[s] / (ROUNDS * units),
  }));
  sides.forEach(([label], s) => {
    log(`| ${label} | ${perBody[s].wall.toFixed(2)} | ${perBody[s].cpu.toFixed(2)} |`);
  });
  log(
    `ratio class-validator / decoder: wall ${(perBody[0].wall / perBody[1].wall).toFixed(1)}x, ` +
      `CPU ${(perBody[0].cpu / perBody[1].cpu).toFixed(1)}x`,
  );
}

log(`node ${process.version}, ${BODIES} single bodies, bulk of ${BULK_SIZE}`);
measure('POST /transactions, skip_queue transfer', BODIES, (validate) => {
  for (const b of singles) check(validate(RecordTransactionDto, b));
});
measure('POST /transactions/bulk, the 500 items', BULK_SIZE, (validate) => {
  for (const item of bulk.transactions) check(validate(RecordTransactionDto, item));
});
// The bulk envelope is class-validator on both sides: it deep-copies `transactions` (no decoder).
measure('POST /transactions/bulk, envelope + items', BULK_SIZE, (validate) => {
  const env = validateDto(BulkTransactionsDto, bulk);
  check(env);
  for (const item of (env as BulkTransactionsDto).transactions) {
    check(validate(RecordTransactionDto, item as object));
  }
});
