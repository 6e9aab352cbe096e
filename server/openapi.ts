import { z } from 'zod';
import type { AnyRoute } from './route';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
    },
  },
};

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parametersOf(spec: AnyRoute) {
  const parameters: unknown[] = [];
  for (const where of ['params', 'query'] as const) {
    const schema = spec[where];
    if (!schema) continue;
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: where === 'params' ? 'path' : 'query',
        required: where === 'params' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return parameters;
}

/** The OpenAPI 3.1 document, generated from the same route table and zod schemas that serve requests. */
export function openApiDocument(routes: AnyRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    if (spec.produces === 'html') continue;
    const path = toOpenApiPath(spec.path);
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses ?? { 200: { description: 'OK' } })) {
      responses[status] = r.schema
        ? { description: r.description, content: { 'application/json': { schema: z.toJSONSchema(r.schema, { unrepresentable: 'any' }) } } }
        : { description: r.description };
    }
    responses['4XX'] = { description: 'Client error', content: { 'application/json': { schema: errorSchema } } };
    paths[path] = {
      ...paths[path],
      [spec.method]: {
        summary: spec.summary,
        tags: [spec.tag],
        'x-access': spec.access,
        parameters: parametersOf(spec),
        ...(spec.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: z.toJSONSchema(spec.body, { io: 'input', unrepresentable: 'any' }) } },
              },
            }
          : {}),
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'office-onboarding API', version },
    paths,
  };
}
