import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Request, RequestHandler, Response } from 'express';
import type { EngineHooks } from '../engine/engine';
import type { Tracing } from './tracing';

/** Loaded only through `startTracing` (observability/tracing.ts), when an OTLP endpoint is set. */

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** The route as declared in the route table, as the metrics and the log lines name it; never the raw path. */
function declaredRoute(req: Request): string | undefined {
  const declared = (req.route as { path?: unknown } | undefined)?.path;
  return typeof declared === 'string' ? declared : undefined;
}

export function startOpenTelemetry(env: NodeJS.ProcessEnv): Tracing {
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME, when set, names the service through the SDK's environment detector.
    serviceName: env.OTEL_SERVICE_NAME ? undefined : 'office-onboarding',
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS, _TIMEOUT) itself and posts JSON to /v1/traces.
    traceExporter: new OTLPTraceExporter(),
    // Traces only: metrics are Prometheus' (GET /metrics) and logs are pino's JSON lines, so the
    // SDK's own defaults (OTLP metrics and logs to the same endpoint) are turned off.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  const tracer = trace.getTracer('office-onboarding', process.env.npm_package_version);

  /**
   * Spans of the requests in flight by request id. The engine's group commit runs a batch in the
   * async context of whichever request flushed it, so the active context cannot tell a transition's
   * parent; the request id stored with its history row can. Of two requests in flight with the
   * same client-sent X-Request-Id, the later one is the parent of both's transitions.
   */
  const inFlight = new Map<string, Span>();

  const requestSpans: RequestHandler = (req: Request, res: Response, next) => {
    const requestId = String(req.id);
    const method = METHODS.has(req.method) ? req.method : '_OTHER';
    // A caller's W3C traceparent makes this request a part of its trace.
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'request.id': requestId } }, parent);
    inFlight.set(requestId, span);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (inFlight.get(requestId) === span) inFlight.delete(requestId);
      const route = declaredRoute(req);
      if (route !== undefined) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      if (res.headersSent) span.setAttribute('http.response.status_code', res.statusCode);
      if (!res.writableFinished) span.setAttribute('error.type', 'aborted');
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.on('finish', end);
    res.on('close', end);
    next();
  };

  const hooks: EngineHooks = {
    afterCommit(record) {
      const requestId = record.entry.requestId ?? undefined;
      const requestSpan = requestId === undefined ? undefined : inFlight.get(requestId);
      // Not the active context: under group commit that may be another request's.
      const parent = requestSpan ? trace.setSpan(ROOT_CONTEXT, requestSpan) : ROOT_CONTEXT;
      const span = tracer.startSpan(
        `transition ${record.entry.type}`,
        {
          kind: SpanKind.INTERNAL,
          // From loading the office to the commit, as onboarding_transition_duration_seconds measures.
          startTime: record.startedAt,
          attributes: {
            'office.id': record.office.id,
            'office.version': record.office.version,
            'office.event.type': record.entry.type,
            'office.state.from': record.entry.from,
            'office.state.to': record.entry.to,
            ...(requestId !== undefined ? { 'request.id': requestId } : {}),
          },
        },
        parent,
      );
      span.end();
    },
  };

  return { requestSpans, hooks, shutdown: () => sdk.shutdown() };
}
