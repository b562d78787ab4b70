import { Command, CommandRunner } from 'nest-commander';
import { startWorkers } from '../server';
import { MetricsRegistry } from '../../modules/system/infrastructure/prometheus/metrics-registry';
import {
  MetricsListener,
  startMetricsListener,
} from '../../modules/system/interface/http/metrics-listener';
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
    // GET /metrics on server.metrics_port (NERACA_METRICS_PORT), under the API's token rules.
    const port = config.get<number | undefined>('server.metrics_port');
    let metrics: MetricsListener | undefined;
    if (port !== undefined) {
      try {
        metrics = await startMetricsListener(workers.app.get(MetricsRegistry).registry, {
          port,
          host: config.bindAddress,
          secure: config.get<boolean>('server.secure'),
          token: config.get<string>('server.metrics_bearer_token'),
        });
      } catch (e) {
        await workers.close();
        throw e;
      }
      process.stdout.write(`Metrics on ${metrics.url}\n`);
    }
    process.stdout.write('Neraca workers running\n');
    await untilShutdown(async () => {
      await metrics?.close();
      await workers.close();
    }, config.get<number>('server.shutdown_grace_period'));
  }
}
