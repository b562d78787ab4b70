import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommandRunner, Option } from 'nest-commander';
import { loadConfig } from '../config/neraca-config';
import { buildOpenApi } from '../http-app';
import { startServer } from '../server';

/**
 * `neraca openapi [--out file]`: the OpenAPI document, without a running server, for client
 * generators and the lint step. It boots a throw-away embedded instance (a temporary data
 * directory, whatever the environment names as database or Redis) and prints its document.
 */
@Command({
  name: 'openapi',
  description: 'Print the OpenAPI document (for client generators); --out writes it to a file',
})
export class OpenApiCommand extends CommandRunner {
  @Option({ flags: '-o, --out <file>', description: 'Write to this file instead of stdout' })
  parseOut(v: string): string {
    return v;
  }

  async run(_p: string[], options: { out?: string }): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'neraca-openapi-'));
    try {
      const config = loadConfig({
        overrides: {
          data_dir: dir,
          'data_source.dns': '',
          'redis.dns': '',
          'server.port': 0,
          'server.host': '127.0.0.1',
        },
      });
      const server = await startServer(config, false);
      try {
        const doc = `${JSON.stringify(buildOpenApi(server.app), null, 2)}\n`;
        if (options.out) writeFileSync(options.out, doc);
        else process.stdout.write(doc);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
