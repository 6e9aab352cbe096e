import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { EngineHooks } from '../engine/engine';

/**
 * OpenTelemetry traces, on only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. This module imports
 * nothing of OpenTelemetry: the SDK is loaded by `startTracing` when the variable is there, so a
 * server without it neither loads nor pays for it.
 */
export interface Tracing {
  /** Opens one span per request; mounted after the request logger, which gives the request its id. */
  requestSpans: RequestHandler;
  /** One span per committed transition, the child of the span of the request that caused it. */
  hooks: EngineHooks;
  /** Sends the spans still buffered, then stops the SDK. */
  shutdown(): Promise<void>;
}

const endpointSchema = z.url({ protocol: /^https?$/ });

/** The collector's base URL (the exporter adds `/v1/traces`), or undefined when tracing is off. */
export function tracingEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!raw) return undefined;
  const parsed = endpointSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Invalid configuration:\n  OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:// or https:// URL, got "${raw}"`);
  return parsed.data;
}

export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (tracingEndpoint(env) === undefined) return undefined;
  const { startOpenTelemetry } = await import('./otel.js');
  return startOpenTelemetry(env);
}
