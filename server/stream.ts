import type { Response } from 'express';

/** Resolves on 'drain', or on 'close' when the client is gone; leaves no listener behind. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes lines to the response as they come, waiting for the socket to drain when its buffer is
 * full; stops when the client goes away, which ends the iteration early (`return()`), so a
 * generator's `finally` releases what it holds (an export's snapshot).
 */
export async function streamLines(res: Response, lines: Iterable<string> | AsyncIterable<string>, contentType: string, filename: string, header?: string): Promise<void> {
  res.status(200).type(contentType).setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  if (header !== undefined) res.write(header + '\n');
  for await (const line of lines) {
    if (res.destroyed) return;
    if (!res.write(line + '\n')) await drained(res);
    if (res.destroyed) return;
  }
  res.end();
}

/** `YYYY-MM-DD` (a whole day: `to` includes it) or an ISO instant, as the bounds of a period. */
export function periodBounds(from: string | undefined, to: string | undefined): { from: string; to: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const start = from === undefined ? '' : day.test(from) ? `${from}T00:00:00.000Z` : new Date(from).toISOString();
  let end = '9999-12-31T23:59:59.999Z';
  if (to !== undefined) {
    if (day.test(to)) {
      const next = new Date(`${to}T00:00:00.000Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      end = next.toISOString();
    } else end = new Date(to).toISOString();
  }
  return { from: start, to: end };
}
