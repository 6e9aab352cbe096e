import { z, type ZodObject, type ZodType } from 'zod';
import packageJson from '../package.json';
import { SESSION_COOKIE } from './auth/principal';
import type { Same } from './api/schemas';
import type { ErrorBody } from './errors';
import type { AnyRoute, ResponseSpec, RouteSpec } from './route';

type JsonSchema = Record<string, unknown>;
type ParameterLocation = 'path' | 'query' | 'header';

interface Parameter {
  name: string;
  in: ParameterLocation;
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

interface Header {
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** Scheme name to the roles (here: the least role) an operation needs; see SECURITY_SCHEMES. */
type SecurityRequirement = Record<string, string[]>;

/**
 * Response schemas published once under `components.schemas` and referenced by `$ref`: the office
 * view appears in several responses, and a client generator should see it as one type.
 */
export const openApiComponents = z.registry<{ id: string }>();

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** The one shape of every error answer (`errorBody` in server/errors.ts). */
export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('Stable and machine-readable, e.g. office_not_found'),
      message: z.string().describe('For people'),
      details: z.record(z.string(), z.unknown()).describe('What the code needs, e.g. allowedEvents or issues'),
    }),
  })
  .register(openApiComponents, { id: 'Error' });

const _errorBodyAgrees: Same<z.output<typeof errorBodySchema>, ErrorBody> = true;

const errorSchema = { $ref: componentRef('Error') };

const ROLE_NOTE = 'Roles rank viewer < coordinator < admin; the role an operation lists is the least one it needs.';

/** How server/auth/principal.ts identifies a request: a bearer token first, else the session cookie. */
const SECURITY_SCHEMES = {
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    description: `An API token (POST /api/tokens, or the CLI's \`tokens create\`) or the server's ADMIN_TOKEN. A token that is sent but unknown or revoked answers 401; it never falls back to the session cookie. ${ROLE_NOTE}`,
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The session of a user signed in on the dashboard (POST /signin). ${ROLE_NOTE}`,
  },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description: "The session's CSRF token (the pages' csrf-token meta): cookie-authenticated POST, PUT, PATCH and DELETE need it; bearer tokens do not.",
  },
} as const;

const UNSAFE_METHODS: ReadonlySet<RouteSpec['method']> = new Set(['post', 'put', 'patch', 'delete']);

/** Public routes need nothing; the others take a bearer token or a session (plus its CSRF token when unsafe). */
function securityOf(spec: AnyRoute): SecurityRequirement[] {
  if (spec.access === 'public') return [];
  const roles = [spec.access];
  const session: SecurityRequirement = UNSAFE_METHODS.has(spec.method) ? { sessionCookie: roles, csrfToken: [] } : { sessionCookie: roles };
  return [{ bearerToken: roles }, session];
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * `get /api/offices/:id/events` is `getOfficesByIdEvents`: the method, then each path segment in
 * camel case (`/api` left out), a parameter as `By<Name>`. Derived from the method and path alone,
 * so it stays the same as long as the route does; tests/openapi.test.ts checks they are unique.
 */
export function operationIdOf(spec: Pick<RouteSpec, 'method' | 'path'>): string {
  const words = spec.path
    .replace(/^\/api(?=\/|$)/, '')
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => (segment.startsWith(':') ? ['by', ...segment.slice(1).split(/[^A-Za-z0-9]+/)] : segment.split(/[^A-Za-z0-9]+/)))
    .filter((word) => word !== '');
  return [spec.method, ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

/** A zod schema as JSON Schema; registered response schemas become a `$ref` to their component. */
function jsonSchemaOf(schema: ZodType, io: 'input' | 'output'): JsonSchema {
  const id = openApiComponents.get(schema)?.id;
  if (id !== undefined && io === 'output') return { $ref: componentRef(id) };
  // The dialect is the document's (OpenAPI 3.1 is JSON Schema 2020-12), not repeated per schema.
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return json;
}

function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(openApiComponents, { uri: componentRef, unrepresentable: 'any' });
  // zod gives each schema an `$id` equal to its `$ref`; an `$id` with a fragment is not valid JSON Schema.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema]));
}

/** One entry per property of an object schema: path, query and header parameters, response headers. */
function fieldsOf(schema: ZodType, io: 'input' | 'output', location: ParameterLocation): Parameter[] {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  // A parameter's description belongs on the parameter, where documentation tools show it.
  return Object.entries(json.properties ?? {}).map(([name, { description, ...schema }]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    ...(typeof description === 'string' ? { description } : {}),
    schema,
  }));
}

function parametersOf(spec: AnyRoute): Parameter[] {
  const sources: [ZodType | undefined, ParameterLocation][] = [
    [spec.params, 'path'],
    [spec.query, 'query'],
    [spec.headers, 'header'],
  ];
  return sources.flatMap(([schema, location]) => (schema ? fieldsOf(schema, 'input', location) : []));
}

function headersOf(schema: ZodObject): Record<string, Header> {
  return Object.fromEntries(fieldsOf(schema, 'output', 'header').map(({ name, in: _in, ...header }) => [name, header]));
}

const textSchema = { type: 'string' };

/** OpenAPI 3.1 has no keyword for the items of a stream: the JSON data of each event goes in an extension. */
function eventStreamOf(response: ResponseSpec) {
  return {
    schema: { ...textSchema, description: 'Server-Sent Events; the data of each event is JSON, as x-event-data describes' },
    ...(response.events ? { 'x-event-data': jsonSchemaOf(response.events, 'output') } : {}),
  };
}

function responseOf(spec: AnyRoute, status: number, response: ResponseSpec) {
  const schema = response.schema ? jsonSchemaOf(response.schema, 'output') : status >= 400 ? errorSchema : undefined;
  const content: Record<string, { schema: JsonSchema }> = {
    ...(schema ? { 'application/json': { schema } } : {}),
    ...Object.fromEntries((response.text ?? []).map((type) => [type, { schema: textSchema }])),
    ...(spec.produces === 'event-stream' && status < 300 ? { 'text/event-stream': eventStreamOf(response) } : {}),
  };
  return {
    description: response.description,
    ...(response.headers ? { headers: headersOf(response.headers) } : {}),
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
}

/** The errors every route of its kind can give, from server/route.ts and server/auth/access.ts. */
function errorsOf(spec: AnyRoute): Record<number, ResponseSpec> {
  const errors: Record<number, ResponseSpec> = {};
  if (spec.params ?? spec.query ?? spec.body ?? spec.textBody) errors[400] = { description: 'Invalid input: details.issues says where' };
  if (spec.params) errors[404] = { description: 'Nothing with the id in the path' };
  if (spec.access !== 'public') errors[401] = { description: 'No credentials, or a bearer token that is unknown or revoked' };
  // Every principal is at least a viewer; unsafe methods also check the Origin and the CSRF token.
  const forbidden = [
    ...(spec.access === 'coordinator' || spec.access === 'admin' ? [`the principal's role is below ${spec.access}`] : []),
    ...(UNSAFE_METHODS.has(spec.method) ? ['a cross-site request, or a session cookie without its CSRF token'] : []),
  ];
  if (forbidden.length > 0) errors[403] = { description: `Forbidden: ${forbidden.join('; or ')}` };
  return errors;
}

function responsesOf(spec: AnyRoute): Record<string, unknown> {
  const declared: Record<number, ResponseSpec> = { ...errorsOf(spec), ...(spec.responses ?? { 200: { description: 'OK' } }) };
  const responses: Record<string, unknown> = Object.fromEntries(
    Object.entries(declared).map(([status, response]) => [status, responseOf(spec, Number(status), response)]),
  );
  responses['4XX'] = { description: 'Client error', content: { 'application/json': { schema: errorSchema } } };
  return responses;
}

function requestBodyOf(spec: AnyRoute) {
  if (spec.body) {
    return { required: true, content: { 'application/json': { schema: jsonSchemaOf(spec.body, 'input') } } };
  }
  if (spec.textBody) {
    return {
      required: true,
      description: spec.textBody.description,
      content: Object.fromEntries(spec.textBody.mediaTypes.map((type) => [type, { schema: textSchema }])),
    };
  }
  return undefined;
}

function operationOf(spec: AnyRoute) {
  const requestBody = requestBodyOf(spec);
  return {
    operationId: operationIdOf(spec),
    summary: spec.summary,
    tags: [spec.tag],
    'x-access': spec.access,
    security: securityOf(spec),
    parameters: parametersOf(spec),
    ...(requestBody ? { requestBody } : {}),
    responses: responsesOf(spec),
  };
}

/**
 * Pages and the stylesheet they load are for browsers; the document is for API clients, and each of
 * its operations answers JSON (other media types only beside it, as `text`). So the routes that answer
 * only in another format (`produces: 'text'`) are left out too: the Prometheus scrape at /metrics,
 * whose format belongs to Prometheus and whose own address check has no place among the document's
 * security schemes, the .ics download and the JSON Lines export; README.md documents them.
 */
export const inDocument = (spec: AnyRoute) => spec.produces !== 'html' && spec.produces !== 'css' && spec.produces !== 'text';

/** The OpenAPI 3.1 document, generated from the same route table and zod schemas that serve requests. */
export function openApiDocument(routes: AnyRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes.filter(inDocument)) {
    const path = toOpenApiPath(spec.path);
    paths[path] = { ...paths[path], [spec.method]: operationOf(spec) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'office-onboarding API', version, license: { name: packageJson.license } },
    // Relative: the paths are on the server that serves this document, whatever its address.
    servers: [{ url: '/', description: 'The server that serves this document' }],
    paths,
    components: { schemas: componentSchemas(), securitySchemes: SECURITY_SCHEMES },
  };
}
