/**
 * The test client signs in as an administrator: every `fetch` to a loopback address that carries
 * no Authorization or Cookie header of its own is sent with the ADMIN_TOKEN bearer, and child
 * servers inherit the same ADMIN_TOKEN. Tests of authentication itself send their own headers
 * (or use node:http, which this does not touch).
 */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

process.env.ADMIN_TOKEN = TEST_ADMIN_TOKEN;

const originalFetch = globalThis.fetch;

function isLoopback(input: Parameters<typeof fetch>[0]): boolean {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(url);
}

globalThis.fetch = (input, init) => {
  if (!isLoopback(input)) return originalFetch(input, init);
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  if (!headers.has('authorization') && !headers.has('cookie')) headers.set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
  return originalFetch(input, { ...init, headers });
};
