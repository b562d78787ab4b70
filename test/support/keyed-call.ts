/** A JSON request to a spawned server's API with its master key (`X-Blnk-Key`). */
export function keyedCall(key: string) {
  return async (url: string, method: string, path: string, body?: unknown) => {
    const r = await fetch(url + path, {
      method,
      headers: { 'x-blnk-key': key, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : undefined };
  };
}
