import { Command, CommandRunner, Option } from 'nest-commander';
import { startServer } from '../server';
import { CommonOptions, configFrom } from './config-options';
import { untilShutdown } from './graceful-shutdown';

@Command({
  name: 'start',
  description:
    'Run the HTTP API (port 5001). Without BLNK_DATA_SOURCE_DNS it runs embedded: PGlite in the data directory, background work in-process.',
})
export class StartCommand extends CommandRunner {
  async run(_params: string[], options: CommonOptions): Promise<void> {
    const config = configFrom(options);
    const server = await startServer(config);
    const mode = config.embedded
      ? `embedded (data in ${config.get<string>('data_dir')})`
      : 'PostgreSQL';
    const out = process.stdout;
    out.write(`Neraca listening on ${server.url} — ${mode}\n`);
    out.write(`API docs: ${server.url}/docs (OpenAPI: ${server.url}/openapi.json)\n`);
    if (!server.auth.secure) {
      out.write('Authentication is OFF (server.secure=false): every route is open.\n');
    } else if (server.masterKey.origin === 'generated') {
      out.write(
        `\nGenerated a master API key. It is shown this once and kept in ${server.masterKey.file}:\n\n` +
          `    ${server.masterKey.key}\n\nSend it as the X-Blnk-Key header.\n\n`,
      );
    } else if (server.masterKey.origin === 'file') {
      out.write(`Master API key: the one kept in ${server.masterKey.file}\n`);
    }
    const tokens = server.tokenization;
    if (tokens.origin === 'generated') {
      out.write(`Generated a PII tokenization key in ${tokens.file}: back it up with the data.\n`);
    } else if (tokens.origin === 'none') {
      out.write('PII tokenization is off: set tokenization_secret (BLNK_TOKENIZATION_SECRET).\n');
    }
    await untilShutdown(async () => {
      // HTTP first (stop accepting, finish what is in flight): Nest's close() would destroy the
      // modules those requests still use before it closes the server.
      // Keep-alive connections that go idle once their request is answered are closed as they
      // do, not after the keep-alive timeout (72 s).
      const http = server.app.getHttpServer() as import('node:http').Server;
      const sweep = setInterval(() => http.closeIdleConnections(), 100);
      try {
        await server.app.getHttpAdapter().getInstance().close();
      } finally {
        clearInterval(sweep);
      }
      await server.close();
    }, config.get<number>('server.shutdown_grace_period'));
  }

  @Option({
    flags: '-p, --port <port>',
    description: 'HTTP port (default 5001, env BLNK_SERVER_PORT)',
  })
  parsePort(v: string): string {
    return v;
  }

  @Option({
    flags: '-H, --host <address>',
    description:
      'Address to listen on (env NERACA_HOST; default 127.0.0.1 in embedded mode, 0.0.0.0 with PostgreSQL)',
  })
  parseHost(v: string): string {
    return v;
  }

  @Option({
    flags: '-d, --data-dir <dir>',
    description: 'Data directory (default ./.neraca, env NERACA_DATA_DIR)',
  })
  parseDataDir(v: string): string {
    return v;
  }
}
