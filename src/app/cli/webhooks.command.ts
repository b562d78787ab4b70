import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { migrateUp } from '@libs/persistence/migrate';
import { WebhookDeliveries } from '../../modules/events/application/webhook-deliveries.use-cases';
import { OutboxPgRepository } from '../../modules/events/infrastructure/postgres/outbox.pg-repository';
import { openDatabase } from '../server';
import { CommonOptions, configFrom } from './config-options';

interface WebhookOptions extends CommonOptions {
  status?: string;
  limit?: string;
  failed?: boolean;
}

async function withDeliveries<T>(
  options: CommonOptions,
  work: (d: WebhookDeliveries) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(configFrom(options));
  try {
    await migrateUp(db.dataSource);
    return await work(new WebhookDeliveries(new OutboxPgRepository(db.dataSource)));
  } finally {
    await db.close();
  }
}

abstract class DataDirOption extends CommandRunner {
  @Option({ flags: '-d, --data-dir <dir>', description: 'Data directory of embedded mode' })
  parseDataDir(v: string): string {
    return v;
  }
}

@SubCommand({ name: 'list', description: 'List webhook deliveries, newest first' })
export class WebhooksListCommand extends DataDirOption {
  @Option({ flags: '-s, --status <status>', description: 'pending, delivered, failed or skipped' })
  parseStatus(v: string): string {
    return v;
  }

  @Option({ flags: '-l, --limit <n>', description: '1 to 100 (default 20)' })
  parseLimit(v: string): string {
    return v;
  }

  async run(_p: string[], o: WebhookOptions): Promise<void> {
    const limit = o.limit === undefined ? undefined : Number(o.limit);
    const page = await withDeliveries(o, (d) => d.list({ status: o.status, limit }));
    for (const e of page) {
      process.stdout.write(
        [
          e.eventId,
          e.event,
          e.entityId,
          e.status,
          `attempts=${e.attempts}`,
          e.lastError ? `last_error=${JSON.stringify(e.lastError)}` : '',
        ]
          .filter(Boolean)
          .join('  ') + '\n',
      );
    }
    if (!page.length) process.stdout.write('no deliveries\n');
  }
}

@SubCommand({
  name: 'redeliver',
  arguments: '[event_id]',
  description: 'Deliver an event again (same event id), or every failed one with --failed',
})
export class WebhooksRedeliverCommand extends DataDirOption {
  @Option({ flags: '--failed', description: 'Every failed delivery' })
  parseFailed(): boolean {
    return true;
  }

  async run([id]: string[], o: WebhookOptions): Promise<void> {
    if (!id === !o.failed) throw new Error('give an event id or --failed (not both)');
    const n = await withDeliveries(o, async (d) =>
      o.failed ? d.redeliverFailed() : (await d.redeliver(id), 1),
    );
    process.stdout.write(`${n} deliver${n === 1 ? 'y' : 'ies'} due again\n`);
  }
}

@Command({
  name: 'webhooks',
  description: 'See and replay webhook deliveries',
  subCommands: [WebhooksListCommand, WebhooksRedeliverCommand],
})
export class WebhooksCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
