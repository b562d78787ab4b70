import { Command, CommandRunner } from 'nest-commander';
import { startWorkers } from '../server';
import { configFrom } from './config-options';

@Command({
  name: 'workers',
  description:
    'Apply queued work (transactions accepted without skip_queue) from Redis; run as many processes as needed. Needs BLNK_DATA_SOURCE_DNS and BLNK_REDIS_DNS.',
})
export class WorkersCommand extends CommandRunner {
  async run(): Promise<void> {
    const workers = await startWorkers(configFrom({}), ['error', 'warn']);
    process.stdout.write('Neraca workers running\n');
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void workers.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  }
}
