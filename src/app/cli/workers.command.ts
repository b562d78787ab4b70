import { Command, CommandRunner } from 'nest-commander';
import { startWorkers } from '../server';
import { configFrom } from './config-options';
import { untilShutdown } from './graceful-shutdown';

@Command({
  name: 'workers',
  description:
    'Apply queued work (transactions accepted without skip_queue) from Redis; run as many processes as needed. Needs BLNK_DATA_SOURCE_DNS and BLNK_REDIS_DNS.',
})
export class WorkersCommand extends CommandRunner {
  async run(): Promise<void> {
    const config = configFrom({});
    const workers = await startWorkers(config);
    process.stdout.write('Neraca workers running\n');
    await untilShutdown(() => workers.close(), config.get<number>('server.shutdown_grace_period'));
  }
}
