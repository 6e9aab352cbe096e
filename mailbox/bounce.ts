/**
 * Delivery status notifications (RFC 3464): a `multipart/report; report-type=delivery-status`
 * whose `message/delivery-status` part holds one header block for the message, then one per
 * recipient (`Final-Recipient`, `Action`, `Status`, `Diagnostic-Code`). mailparser folds that part
 * into the text body, so the parts are read from the source here.
 */
import type { BouncedRecipient } from '../storage/mailbox-store';

export type FailedRecipient = BouncedRecipient;

export interface DeliveryReport {
  failed: FailedRecipient[];
  /** Message-ID of the message that bounced, from the returned message or its headers. */
  originalMessageId: string | null;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Header fields of a block, names in lower case, folded lines joined. */
export function headerFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      fields.set(last, `${fields.get(last)!} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(last)) fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

function splitHead(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  return match ? { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) } : { head: text, body: '' };
}

function boundaryOf(contentType: string): string | null {
  return /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)?.slice(1).find(Boolean) ?? null;
}

function partsOf(body: string, boundary: string): Part[] {
  const delimiter = `--${boundary}`;
  const pieces = body.split(new RegExp(`\\r?\\n?${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
  // The preamble comes before the first delimiter and the epilogue after the last.
  return pieces.slice(1, -1).map((piece) => {
    const { head, body: content } = splitHead(piece);
    return { headers: headerFields(head), body: content };
  });
}

const mediaType = (part: Part) => (part.headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();

/** The report in a message's source, or null when it is not a delivery status notification. */
export function parseDeliveryReport(source: string): DeliveryReport | null {
  const { head, body } = splitHead(source);
  const contentType = headerFields(head).get('content-type') ?? '';
  if (!/^multipart\/report\b/i.test(contentType) || !/report-type\s*=\s*"?delivery-status"?/i.test(contentType)) return null;
  const boundary = boundaryOf(contentType);
  if (!boundary) return null;
  const parts = partsOf(body, boundary);
  const status = parts.find((p) => /^message\/(global-)?delivery-status$/.test(mediaType(p)));
  if (!status) return null;
  const failed: FailedRecipient[] = [];
  for (const block of status.body.split(/\r?\n[ \t]*\r?\n/)) {
    const fields = headerFields(block);
    const recipient = fields.get('final-recipient');
    if (!recipient || fields.get('action')?.toLowerCase() !== 'failed') continue;
    // "rfc822; someone@example.org": the address type, then the address.
    const address = recipient.includes(';') ? recipient.slice(recipient.indexOf(';') + 1).trim() : recipient.trim();
    if (address) failed.push({ address: address.replace(/^<|>$/g, ''), status: fields.get('status') ?? null, diagnostic: fields.get('diagnostic-code') ?? null });
  }
  const returned = parts.find((p) => ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'].includes(mediaType(p)));
  const originalMessageId = returned ? (headerFields(splitHead(returned.body).head).get('message-id') ?? null) : null;
  return { failed, originalMessageId };
}
