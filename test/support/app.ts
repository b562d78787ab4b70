import { parse as losslessParse } from 'lossless-json';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createHttpApp } from '../../src/app/http-app';
import { AuthSettings } from '../../src/modules/auth/auth-settings';
import { createTestDatabase, openDataSource, TestDatabase } from './database';

export const TEST_KEY = 'test-master-key';

export interface TestApp {
  url: string;
  key: string;
  app: NestFastifyApplication;
  db: TestDatabase;
  ds: DataSource;
  /** fetch with the master key and JSON handled losslessly by the caller. */
  http: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<HttpResult>;
  close(): Promise<void>;
}

export interface HttpResult {
  status: number;
  text: string;
  headers: Headers;
  /** Parsed with JSON.parse (fine when no number exceeds 2^53). */
  json: any;
}

/** A real Neraca HTTP server on a loopback port, over a private database. */
export async function startTestApp(
  opts: { secure?: boolean; bodyLimitMb?: number } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const ds = await openDataSource(db);
  const app = await createHttpApp({
    dataSource: ds,
    auth: new AuthSettings(opts.secure ?? true, TEST_KEY),
    bodyLimitMb: opts.bodyLimitMb ?? 5,
    logLevels: false,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const http = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-blnk-key': TEST_KEY, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: tests look at `text`.
    }
    return { status: res.status, text, headers: res.headers, json };
  };
  return {
    url,
    key: TEST_KEY,
    app,
    db,
    ds,
    http,
    async close() {
      await app.close();
      await ds.destroy();
      await db.drop();
    },
  };
}

/** Parses JSON with every integer as a bigint, for exact assertions on amounts. */
export function parseBig(text: string): any {
  return losslessParse(text, null, (s: string) => (/^-?\d+$/.test(s) ? BigInt(s) : Number(s)));
}
