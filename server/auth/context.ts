import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from './principal';

/** The signed-in principal of the request being served, for the page shell (navigation, CSRF meta). */
export const requestPrincipal = new AsyncLocalStorage<Principal | null>();
