/** A JSON response, or the network error when there was none (server down, connection reset). */
export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export class NetworkError extends Error {
  constructor(override readonly cause: unknown) {
    super(`network error: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`);
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** The admin bearer token every child server is started with (ADMIN_TOKEN); sent with every call. */
export const ADMIN_TOKEN = 'fault-tests-admin-token-4f9c2d7e1b';

/** One HTTP call with a JSON body; throws NetworkError when no HTTP answer came back. */
export async function request<T = unknown>(base: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}`, ...options.headers };
  let body: string | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(base + path, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30000),
    });
    text = await response.text();
  } catch (error) {
    throw new NetworkError(error);
  }
  let parsed: unknown = text;
  try {
    parsed = text.length ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the caller asserts on the status and sees the raw text.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface OfficeBody {
  id: string;
  version: number;
  states: string[];
  stage: string;
  allowedEvents: string[];
}

export interface HistoryBody {
  events: { seq: number; type: string; payload: Record<string, unknown>; actor: string; at: string }[];
}

export interface ErrorReply {
  error: { code: string; message: string; details: Record<string, unknown> };
}
