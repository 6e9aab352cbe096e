import http from 'node:http';
import https from 'node:https';
import { AddressRefused, guardedLookup, isForbiddenAddress, literalAddress } from './address';

export interface PostResult {
  status: number;
  /** The start of the answer's body, for the delivery log. */
  snippet: string;
}

/**
 * One POST, no redirects followed (node's http never follows them), bounded by `timeoutMs` from
 * start to the end of the answer. Unless `allowPrivate`, private and reserved addresses are refused,
 * whether written in the URL or resolved.
 */
export function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, allowPrivate: boolean): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const literal = literalAddress(target.hostname);
    if (!allowPrivate && literal && isForbiddenAddress(literal)) {
      reject(new AddressRefused(`${literal} is a private or reserved address`));
      return;
    }
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: allowPrivate ? undefined : guardedLookup,
      agent: false,
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('response', (res) => {
      let snippet = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (snippet.length < 500) snippet += chunk.slice(0, 500 - snippet.length);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, snippet });
      });
      res.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
    });
    req.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    req.end(body);
  });
}
