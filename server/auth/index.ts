import type { RequestHandler } from 'express';
import type { Runtime } from '../../app/runtime';
import type { AccountStore } from '../../storage/account-store';
import type { AnyRoute } from '../route';
import { accountRoutes } from './api';
import { requestPrincipal } from './context';
import { authPageRoutes, createSignInGuard } from './pages';
import { resolvePrincipal } from './principal';
import { accountService, type AccountService } from './service';
import { SignInLimiter } from './signin-limit';

export interface AuthFeature {
  accounts: AccountStore;
  service: AccountService;
  /** Resolves who is asking (bearer token, admin token or session cookie) before any route runs. */
  identify: RequestHandler;
  routes: AnyRoute[];
  /** Refuses sign-ins for an account or address with too many recent failures. */
  signInLimit: RequestHandler;
  signInLimiter: SignInLimiter;
}

export function createAuthFeature(runtime: Runtime): AuthFeature {
  const { config } = runtime;
  const { accounts } = runtime;
  const now = () => runtime.engine.clock.now();
  const service = accountService(accounts, now);
  const identify: RequestHandler = async (req, res, next) => {
    const resolution = await resolvePrincipal(req, accounts, config.ADMIN_TOKEN, now());
    res.locals.principal = resolution.principal;
    res.locals.invalidCredentials = resolution.principal === null && resolution.invalidCredentials;
    res.locals.actor = resolution.principal?.actor ?? 'anonymous';
    requestPrincipal.run(resolution.principal, () => next());
  };
  const signInLimiter = new SignInLimiter();
  const routes = [
    ...accountRoutes(accounts, service, runtime.storage.exports),
    ...authPageRoutes(accounts, service, now, { ttlHours: config.SESSION_TTL_HOURS, secureCookies: config.TRUST_PROXY }, signInLimiter, runtime.store),
  ];
  return {
    accounts,
    service,
    identify,
    routes,
    signInLimit: createSignInGuard(signInLimiter),
    signInLimiter,
  };
}

