import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import helmet from 'helmet';
import pino, { type Logger } from 'pino';
import type { Runtime } from '../app/runtime';
import { noteRoutes } from './api/notes';
import { officeRoutes } from './api/offices';
import { programmeRoutes } from './api/programme';
import { reportRoutes } from './api/reports';
import { analyticsRoutes } from './api/analytics';
import { forecastRoutes } from './api/forecast';
import { countriesRoutes } from './api/countries';
import { programmeFormParsers, programmePageRoutes } from './pages/programme-routes';
import { importBodyParser, systemRoutes } from './api/system';
import { openApiDocumentSchema } from './api/system-schemas';
import { reminderRoutes } from './api/reminders';
import { linkRoutes } from './links/pages';
import { linkFallbacks } from './links/render';
import { errorHandler, notFoundHandler } from './errors';
import { liveRoutes } from './live/routes';
import { openApiDocument } from './openapi';
import { pageRoutes } from './pages/routes';
import { mountRoutes, route, type AnyRoute } from './route';
import { createAuthFeature, type AuthFeature } from './auth';
import { httpMetrics, metricsRoutes } from './metrics';
import { webhookRoutes } from './api/webhooks';
import { webhookPageRoutes } from './pages/webhooks';
import { replyPageRoutes } from './pages/replies';
import { workshopCalendarRoutes } from './api/workshop-calendar';
import { exportRoutes } from './api/export';
import { requestContext, requestLogger } from './request-log';
import type { Tracing } from '../observability/tracing';

export interface App {
  app: Express;
  routes: AnyRoute[];
  auth: AuthFeature;
}

export interface AppOptions {
  /** OpenTelemetry request spans (observability/tracing.ts); absent when no OTLP endpoint is set. */
  tracing?: Tracing;
}

export function createApp(runtime: Runtime, logger: Logger = pino({ level: 'silent' }), options: AppOptions = {}): App {
  const auth = createAuthFeature(runtime);
  runtime.engine.onHookError = (error, record) =>
    logger.error({ err: error, office: record.office.id, version: record.office.version }, 'after-commit hook failed; the change is committed');
  const routes: AnyRoute[] = [...auth.routes, ...officeRoutes(runtime), ...noteRoutes(runtime), ...systemRoutes(runtime), ...programmeRoutes(runtime), ...reportRoutes(runtime), ...analyticsRoutes(runtime), ...forecastRoutes(runtime), ...countriesRoutes(runtime), ...reminderRoutes(runtime), ...linkRoutes(runtime), ...liveRoutes(runtime), ...pageRoutes(runtime), ...programmePageRoutes(runtime), ...metricsRoutes(runtime), ...webhookRoutes(runtime), ...webhookPageRoutes(runtime), ...replyPageRoutes(runtime), ...workshopCalendarRoutes(runtime), ...exportRoutes(runtime)];
  const openApi = route({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    tag: 'system',
    access: 'public',
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
    handler: () => openApiDocument(routes, process.env.npm_package_version ?? '0.0.0'),
  });
  routes.push(openApi);

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger));
  if (options.tracing) app.use(options.tracing.requestSpans);
  app.use(httpMetrics(runtime.metrics));
  app.set('etag', false);
  // Behind one HTTPS proxy: client addresses (rate limits) and Secure cookies come from it.
  app.set('trust proxy', runtime.config.TRUST_PROXY ? 1 : false);
  app.use(
    helmet({
      // With no-referrer, Chromium sends `Origin: null` on our own form posts; same-origin keeps the
      // Origin header that the cross-site check reads, and still tells other sites nothing.
      referrerPolicy: { policy: 'same-origin' },
      // The dashboard loads its script and style from /static only: no inline script, style or handler.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  app.use('/static', express.static(path.join(__dirname, 'public'), { maxAge: '1h', index: false }));
  app.use(express.json({ limit: runtime.config.BODY_LIMIT }));
  app.use('/programme', ...programmeFormParsers(runtime.config.BODY_LIMIT));
  app.use('/api/import', importBodyParser(runtime.config.BODY_LIMIT));
  // Reply-link pages post plain HTML forms.
  app.use('/r', express.urlencoded({ extended: false, limit: '16kb' }));
  // Account pages post plain HTML forms.
  app.use(['/signin', '/signout', '/account', '/admin'], express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(cookieParser());
  app.use(auth.identify);
  app.post('/signin', auth.signInLimit);
  const linkPages = linkFallbacks(runtime);
  app.use('/r', linkPages.rateLimit);
  const router = express.Router();
  mountRoutes(router, routes);
  app.use(requestContext);
  app.use(router);
  // Reply-link pages answer every problem with a page in the office's language, never JSON.
  app.use('/r', linkPages.notFound);
  app.use('/r', linkPages.errors);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return { app, routes, auth };
}
