import { createServer, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP collector receives it, ids in hex. */
export interface ReceivedSpan {
  service: string;
  scope: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Every request, by path and content type: `/v1/traces application/x-protobuf`. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A loopback OTLP/HTTP receiver (what a collector is to Neraca): accepts /v1/traces,
 * /v1/metrics and /v1/logs in http/json or http/protobuf, and keeps the spans it was sent. The
 * protobuf form is read with a minimal wire-format reader of the few fields the tests look at.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    void body(req).then((buf) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0];
      requests.push(`${req.url} ${type}`);
      const json = type === 'application/json';
      if (req.url === '/v1/traces') {
        try {
          spans.push(...(json ? fromJson(JSON.parse(buf.toString('utf8'))) : fromProtobuf(buf)));
        } catch (e) {
          res.writeHead(400).end(String(e));
          return;
        }
      }
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

type JsonValue = Record<string, unknown>;
type JsonKv = { key: string; value: JsonValue };

function jsonAttributes(kvs: JsonKv[] | undefined): ReceivedSpan['attributes'] {
  const out: ReceivedSpan['attributes'] = {};
  for (const { key, value } of kvs ?? []) {
    const v = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
    if (v !== undefined)
      out[key] = typeof v === 'string' && 'intValue' in value ? Number(v) : (v as string);
  }
  return out;
}

/** OTLP/JSON: ids are hex strings (the OTLP JSON mapping). */
function fromJson(req: JsonValue): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (req.resourceSpans as JsonValue[]) ?? []) {
    const resource = jsonAttributes((rs.resource as { attributes?: JsonKv[] })?.attributes);
    for (const ss of (rs.scopeSpans as JsonValue[]) ?? []) {
      const scope = String((ss.scope as { name?: string })?.name ?? '');
      for (const s of (ss.spans as JsonValue[]) ?? []) {
        out.push({
          service: String(resource['service.name'] ?? ''),
          scope,
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          parentSpanId: String(s.parentSpanId ?? ''),
          links: ((s.links as JsonValue[]) ?? []).map((l) => ({
            traceId: String(l.traceId),
            spanId: String(l.spanId),
          })),
          attributes: jsonAttributes(s.attributes as JsonKv[]),
        });
      }
    }
  }
  return out;
}

interface Field {
  no: number;
  /** A varint's value, or a length-delimited field's bytes. */
  int?: bigint;
  bytes?: Buffer;
}

/** The fields of one protobuf message (wire types 0, 1, 2 and 5). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const no = tag >>> 3;
    switch (tag & 7) {
      case 0:
        out.push({ no, int: varint() });
        break;
      case 1:
        out.push({ no, bytes: buf.subarray(i, i + 8) });
        i += 8;
        break;
      case 2: {
        const len = Number(varint());
        out.push({ no, bytes: buf.subarray(i, i + len) });
        i += len;
        break;
      }
      case 5:
        out.push({ no, bytes: buf.subarray(i, i + 4) });
        i += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }
  return out;
}

const sub = (f: Field[], no: number) => f.filter((x) => x.no === no).map((x) => fields(x.bytes!));
const bytesOf = (f: Field[], no: number) => f.find((x) => x.no === no)?.bytes;
const hex = (f: Field[], no: number) => bytesOf(f, no)?.toString('hex') ?? '';
const text = (f: Field[], no: number) => bytesOf(f, no)?.toString('utf8') ?? '';

/** KeyValue {1 key, 2 AnyValue {1 string, 2 bool, 3 int}}. */
function pbAttributes(kvs: Field[][]): ReceivedSpan['attributes'] {
  const out: ReceivedSpan['attributes'] = {};
  for (const kv of kvs) {
    const [value] = sub(kv, 2);
    if (!value?.length) continue;
    const v = value[0];
    if (v.no === 1) out[text(kv, 1)] = v.bytes!.toString('utf8');
    else if (v.no === 2) out[text(kv, 1)] = v.int === 1n;
    else if (v.no === 3) out[text(kv, 1)] = Number(BigInt.asIntN(64, v.int!));
  }
  return out;
}

/**
 * ExportTraceServiceRequest {1 ResourceSpans {1 Resource {1 attributes}, 2 ScopeSpans {1 scope
 * {1 name}, 2 Span {1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes,
 * 13 Link {1 trace_id, 2 span_id}}}}}.
 */
function fromProtobuf(buf: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of sub(fields(buf), 1)) {
    const [resource] = sub(rs, 1);
    const service = String(pbAttributes(resource ? sub(resource, 1) : [])['service.name'] ?? '');
    for (const ss of sub(rs, 2)) {
      const [scope] = sub(ss, 1);
      for (const s of sub(ss, 2)) {
        out.push({
          service,
          scope: scope ? text(scope, 1) : '',
          name: text(s, 5),
          kind: Number(s.find((x) => x.no === 6)?.int ?? 0n),
          traceId: hex(s, 1),
          spanId: hex(s, 2),
          parentSpanId: hex(s, 4),
          links: sub(s, 13).map((l) => ({ traceId: hex(l, 1), spanId: hex(l, 2) })),
          attributes: pbAttributes(sub(s, 9)),
        });
      }
    }
  }
  return out;
}
