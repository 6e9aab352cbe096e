import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the edge knows about the work in progress (the HTTP request id), carried to the history rows
 * the work writes without threading it through every feature that calls the engine.
 */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
