import { BlockList, isIP } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import type { Runtime } from '../app/runtime';
import type { Metrics } from '../metrics/metrics';
import { HttpError } from './errors';
import type { Principal } from './auth/principal';
import { route, type AnyRoute } from './route';

/** `METRICS_ALLOW`: addresses and CIDR ranges, comma-separated; IPv4-mapped IPv6 peers match their IPv4 form. */
export function allowList(spec: string): BlockList {
  const list = new BlockList();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits] = item.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(bits), family);
  }
  return list;
}

function peerAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return list.check(mapped[1]!, 'ipv4');
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Observes every response under the route it matched in the route table, never the raw path. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req: Request, res: Response, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const declared = (req.route as { path?: unknown } | undefined)?.path;
      end({ method: req.method, route: typeof declared === 'string' ? declared : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
}

export function metricsRoutes(runtime: Runtime): AnyRoute[] {
  const allowed = allowList(runtime.config.METRICS_ALLOW);
  return [
    route({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (text exposition format): any signed-in role, or a client address in METRICS_ALLOW',
      tag: 'system',
      // Checked here: a scraper on an allowed address needs no token.
      access: 'public',
      produces: 'text',
      responses: {
        200: { description: 'The metrics, in the Prometheus text format' },
        403: { description: 'No token and the client address is not in METRICS_ALLOW' },
      },
      handler: async ({ req, res }) => {
        const principal = res.locals.principal as Principal | null | undefined;
        // An allowed address needs no token, so a stale one sent from there changes nothing: the
        // route is public to it, like /healthz. Elsewhere the token is the only way in.
        if (!principal && !peerAllowed(allowed, req.socket.remoteAddress)) {
          if (res.locals.invalidCredentials) throw new HttpError(401, 'invalid_credentials', 'The bearer token is unknown, revoked or malformed.');
          throw new HttpError(403, 'metrics_forbidden', 'Send a token, or scrape from an address listed in METRICS_ALLOW.');
        }
        const body = await runtime.metrics.registry.metrics();
        res.status(200).type(runtime.metrics.registry.contentType).send(body);
      },
    }),
  ];
}
