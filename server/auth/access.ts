import type { Request, Response } from 'express';
import type { Role } from '../../storage/account-store';
import { HttpError } from '../errors';
import type { Access, AnyRoute } from '../route';
import type { Principal } from './principal';
import { sameSecret } from './secrets';

const RANK: Record<Access, number> = { public: 0, viewer: 1, coordinator: 2, admin: 3 };

export function allows(role: Role, access: Access): boolean {
  return RANK[role] >= RANK[access];
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Writes from a browser must come from our own pages. `Sec-Fetch-Site`, set by the browser and out of
 * reach of page scripts, says so where browsers send it (HTTPS and loopback): `cross-site` and
 * `same-site` are refused, and `same-origin` vouches even for an `Origin: null` (what Chromium posts
 * from a page with `Referrer-Policy: no-referrer`). Otherwise an Origin, when sent, must be this
 * host, and `null` is refused. Cookie-authenticated writes also need the session's CSRF token in
 * `X-CSRF-Token` or the form field `_csrf`. Bearer tokens are not sent by browsers on their own, so
 * they need no token.
 */
export function checkCsrf(req: Request, principal: Principal | null, publicRoute: boolean): void {
  if (!UNSAFE.has(req.method)) return;
  if (!sameOrigin(req)) throw new HttpError(403, 'cross_site_request', 'Cross-site requests are not accepted.');
  // Public pages (sign-in, reply links) act on their own credentials, never on the session's.
  if (principal?.kind !== 'session' || publicRoute) return;
  const body = req.body as Record<string, unknown> | undefined;
  const sent = req.get('X-CSRF-Token') ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
  if (!sent || !principal.csrfToken || !sameSecret(sent, principal.csrfToken)) {
    throw new HttpError(403, 'csrf_token_invalid', 'The form has expired or did not come from this site. Reload the page and try again.');
  }
}

function sameOrigin(req: Request): boolean {
  const site = req.get('Sec-Fetch-Site');
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = req.get('Origin');
  if (origin === undefined) return true;
  if (origin === 'null') return site === 'same-origin';
  const host = req.get('Host');
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Enforces a route's declared access; pages send signed-out visitors to the sign-in page instead. */
export function authorize(spec: AnyRoute, req: Request, res: Response): boolean {
  const principal = (res.locals.principal as Principal | null | undefined) ?? null;
  checkCsrf(req, principal, spec.access === 'public');
  if (spec.access === 'public') return true;
  if (!principal) {
    if (res.locals.invalidCredentials) {
      throw new HttpError(401, 'invalid_credentials', 'The bearer token is unknown, revoked or malformed.');
    }
    if (spec.produces === 'html' && req.method === 'GET') {
      res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
      return false;
    }
    throw new HttpError(401, 'unauthenticated', 'Sign in, or send an API token as "Authorization: Bearer …".');
  }
  if (!allows(principal.role, spec.access)) {
    throw new HttpError(403, 'forbidden', `This needs the ${spec.access} role; you are ${principal.role}.`, {
      required: spec.access,
      role: principal.role,
    });
  }
  return true;
}

