import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverMode = 'ok' | 'fail' | 'hang' | 'redirect';

export interface Received {
  id: string;
  path: string;
  timestamp: number;
  body: string;
  signatureValid: boolean;
}

/**
 * Standard Webhooks verification, written from the specification (not the project's signer): the
 * signed content is `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 keyed by the base64
 * secret after `whsec_`; `webhook-signature` holds space-separated `v1,<base64>` entries.
 */
export function verifyStandardWebhook(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp)) return false;
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A real HTTP receiver on 127.0.0.1 whose answer can be switched: 204, 500, no answer, or a redirect. */
export async function startReceiver(secret: () => string) {
  let mode: ReceiverMode = 'ok';
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({
        id: String(req.headers['webhook-id']),
        path: req.url ?? '',
        timestamp: Number(req.headers['webhook-timestamp']),
        body,
        signatureValid: verifyStandardWebhook(secret(), req.headers, body),
      });
      for (const w of waiters.splice(0)) w();
      if (mode === 'ok') res.writeHead(204).end();
      else if (mode === 'fail') res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down');
      else if (mode === 'redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
      else hanging.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    setMode: (m: ReceiverMode) => (mode = m),
    /** Resolves once `n` requests have arrived in all (bounded by the test's timeout). */
    async waitFor(n: number, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${n} requests`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    async close(): Promise<void> {
      for (const res of hanging.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
