import { CommandRunner, Option } from 'nest-commander';
import { loadConfig, NeracaConfig } from '../config/neraca-config';

export interface CommonOptions {
  dataDir?: string;
  port?: string;
  host?: string;
}

/** blnk.json + environment, with command-line flags on top. */
export function configFrom(options: CommonOptions): NeracaConfig {
  const overrides: Record<string, unknown> = {};
  if (options.dataDir) overrides.data_dir = options.dataDir;
  if (options.host) overrides['server.host'] = options.host;
  const config = loadConfig({ overrides });
  if (options.port !== undefined) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`invalid --port ${options.port}: must be a port number (0-65535)`);
    }
    return config.with({ 'server.port': port });
  }
  return config;
}

/** A command that opens the database: `-d` names embedded mode's data directory. */
export abstract class DataDirCommand extends CommandRunner {
  @Option({ flags: '-d, --data-dir <dir>', description: 'Data directory of embedded mode' })
  parseDataDir(v: string): string {
    return v;
  }
}
