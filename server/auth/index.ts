import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Runtime } from '../../app/runtime';
import type { AccountStore } from '../../storage/account-store';
import type { AnyRoute } from '../route';
import { accountRoutes } from './api';
import { requestPrincipal } from './context';
import { authPageRoutes, createSignInRateLimit } from './pages';
import { resolvePrincipal } from './principal';
import { accountService, type AccountService } from './service';

export interface AuthFeature {
  accounts: AccountStore;
  service: AccountService;
  /** Resolves who is asking (bearer token, admin token or session cookie) before any route runs. */
  identify: RequestHandler;
  routes: AnyRoute[];
  signInLimit: RequestHandler;
  publicPageLimit: RequestHandler;
}

export function createAuthFeature(runtime: Runtime): AuthFeature {
  const { config } = runtime;
  const { accounts } = runtime;
  const now = () => runtime.engine.clock.now();
  const service = accountService(accounts, now);
  const identify: RequestHandler = (req, res, next) => {
    const resolution = resolvePrincipal(req, accounts, config.ADMIN_TOKEN, now());
    res.locals.principal = resolution.principal;
    res.locals.invalidCredentials = resolution.principal === null && resolution.invalidCredentials;
    res.locals.actor = resolution.principal?.actor ?? 'anonymous';
    requestPrincipal.run(resolution.principal, () => next());
  };
  const routes = [
    ...accountRoutes(accounts, service, runtime.db),
    ...authPageRoutes(accounts, service, now, { ttlHours: config.SESSION_TTL_HOURS, secureCookies: config.TRUST_PROXY }),
  ];
  return {
    accounts,
    service,
    identify,
    routes,
    signInLimit: createSignInRateLimit(),
    publicPageLimit: createPublicPageRateLimit(),
  };
}

/** Public pages that anyone on the Internet can reach (reply links) get a per-address budget. */
export const createPublicPageRateLimit = () => rateLimit({
  windowMs: 60_000,
  limit: 60,
  standardHeaders: 'draft-8',
  legacyHeaders: false,
  message: { error: { code: 'rate_limited', message: 'Too many requests; wait a minute and try again.', details: {} } },
});
