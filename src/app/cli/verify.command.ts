import { Command, Option } from 'nest-commander';
import { migrateUp } from '@libs/persistence/migrate';
import {
  VerifyChainUseCase,
  VerifyProgress,
  VerifyReport,
} from '../../modules/transaction/application/chain/verify-chain.use-case';
import { ChainPgRepository } from '../../modules/transaction/infrastructure/postgres/chain.pg-repository';
import { openDatabase } from '../server';
import { CommonOptions, configFrom, DataDirCommand } from './config-options';

/** Exit code of a chain that does not hold (1 is any other failure: no database, say). */
export const CHAIN_BROKEN_EXIT = 2;

interface VerifyOptions extends CommonOptions {
  pageSize?: string;
}

/** A progress line at most once a second, and the last one. */
function progressPrinter(): (p: VerifyProgress) => void {
  let last = 0;
  return (p) => {
    const done = p.checked === p.total;
    if (!done && Date.now() - last < 1000) return;
    last = Date.now();
    const pct = p.total ? Number((p.checked * 1000n) / p.total) / 10 : 100;
    process.stderr.write(`verified ${p.checked} of ${p.total} links (${pct}%)\n`);
  };
}

function describe(r: VerifyReport): string[] {
  const lines: string[] = [];
  if (r.firstBreak) {
    const b = r.firstBreak;
    lines.push(
      `chain BROKEN at seq ${b.seq}, transaction ${b.transactionId}: ${b.problems.join('; ')}`,
    );
    if (r.breaks > 1) lines.push(`${r.breaks} broken links in all`);
  }
  lines.push(...r.chainProblems.map((p) => `chain BROKEN: ${p}`));
  return lines;
}

@Command({
  name: 'verify',
  aliases: ['verify-chain'],
  description:
    'Replay the transaction hash chain and every sealed row; exit 0 when intact, 2 naming the first broken row',
})
export class VerifyCommand extends DataDirCommand {
  @Option({ flags: '--page-size <n>', description: 'Links read per query (default 10000)' })
  parsePageSize(v: string): string {
    return v;
  }

  async run(_p: string[], o: VerifyOptions): Promise<void> {
    const pageSize = o.pageSize === undefined ? undefined : Number(o.pageSize);
    if (pageSize !== undefined && (!Number.isSafeInteger(pageSize) || pageSize < 1)) {
      throw new Error(`invalid --page-size ${o.pageSize}: must be a positive integer`);
    }
    const db = await openDatabase(configFrom(o));
    let report: VerifyReport;
    try {
      await migrateUp(db.dataSource);
      report = await new VerifyChainUseCase(new ChainPgRepository(db.dataSource)).verify({
        pageSize,
        onProgress: progressPrinter(),
      });
    } finally {
      await db.close();
    }
    const broken = describe(report);
    if (broken.length) {
      process.stdout.write(broken.join('\n') + '\n');
      process.exitCode = CHAIN_BROKEN_EXIT;
      return;
    }
    process.stdout.write(
      `chain intact: ${report.checked} links, head seq ${report.head.seq} ${report.head.hash}; ` +
        `${report.backlog} row(s) waiting to be sealed\n`,
    );
  }
}
