import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { OfficeEventType } from '../machines/events';

/**
 * One-click reply links: `<payload>.<signature>`, both base64url. The payload binds the link to one
 * office, one action and the state entry it was sent for (the state and when the office entered
 * it: a link from an earlier letter does not answer a later one), and carries an expiry and a
 * random id (a link applies once: its id is recorded in `link_uses` in the transaction that
 * applies the event).
 */
export type LinkInput = 'none' | 'reason' | 'focalPoint';

export const LINK_ACTIONS = {
  confirm: { event: 'REPLY_AFFIRMATIVE', input: 'none' },
  decline: { event: 'REPLY_DECLINED', input: 'reason' },
  surveyed: { event: 'SITE_SURVEYED', input: 'none' },
  ready: { event: 'SITE_READY', input: 'none' },
  difficulty: { event: 'SITE_DIFFICULTY', input: 'reason' },
  nominate: { event: 'FOCAL_POINT_NOMINATED', input: 'focalPoint' },
  installed: { event: 'KIT_INSTALLED', input: 'none' },
} as const satisfies Record<string, { event: OfficeEventType; input: LinkInput }>;

export type LinkAction = keyof typeof LINK_ACTIONS;

export function isLinkAction(value: string): value is LinkAction {
  return Object.prototype.hasOwnProperty.call(LINK_ACTIONS, value);
}

export interface LinkClaims {
  /** Office id. */
  o: string;
  /** Action. */
  a: LinkAction;
  /** Expiry, ms since the epoch. */
  x: number;
  /** Random id: what `link_uses` records. */
  n: string;
  /** The state the letter was sent for (absent on links signed before links were bound to one). */
  s?: string;
  /** When the office entered that state, ms since the epoch. */
  e?: number;
}

/** The state entry a link answers: the office was in `state` since `enteredAt` when it was sent. */
export interface LinkEntry {
  state: string;
  enteredAt: Date;
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'too_long' | 'bad_signature' | 'expired'; claims?: LinkClaims };

/** The longest token a link can carry: a 1,000-character payload, the dot and the signature. */
export const MAX_TOKEN_LENGTH = 1044;

const b64 = (buf: Buffer) => buf.toString('base64url');

export class LinkSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('LINK_SECRET must be at least 16 characters.');
  }

  private sign(payload: string): string {
    return b64(createHmac('sha256', this.secret).update(payload).digest());
  }

  create(officeId: string, action: LinkAction, expiresAt: Date, entry?: LinkEntry): string {
    // randomUUID draws from a cached entropy pool: 122 random bits without a system call per link.
    const claims: LinkClaims = { o: officeId, a: action, x: expiresAt.getTime(), n: b64(Buffer.from(randomUUID().replace(/-/g, ''), 'hex')) };
    if (entry) {
      claims.s = entry.state;
      claims.e = entry.enteredAt.getTime();
    }
    const payload = b64(Buffer.from(JSON.stringify(claims)));
    return `${payload}.${this.sign(payload)}`;
  }

  verify(token: string, now: Date): LinkCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'too_long' };
    const match = /^([A-Za-z0-9_-]{1,1000})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return { ok: false, reason: 'malformed' };
    const [, payload, signature] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
    let claims: LinkClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof claims !== 'object' || claims === null) return { ok: false, reason: 'malformed' };
    if (typeof claims.o !== 'string' || typeof claims.n !== 'string' || typeof claims.x !== 'number' || !isLinkAction(claims.a)) {
      return { ok: false, reason: 'malformed' };
    }
    if ((claims.s !== undefined || claims.e !== undefined) && (typeof claims.s !== 'string' || typeof claims.e !== 'number')) {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.x <= now.getTime()) return { ok: false, reason: 'expired', claims };
    return { ok: true, claims };
  }
}
