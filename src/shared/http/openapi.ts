import type Joi from 'joi';
import type { Endpoint } from './api';
import { errorSchema } from './schemas';

type JsonSchema = Record<string, unknown>;

interface Description {
  type: string;
  flags?: Record<string, unknown> & { presence?: string; description?: string; default?: unknown; only?: boolean; label?: string };
  keys?: Record<string, Description>;
  items?: Description[];
  matches?: Array<{ schema?: Description }>;
  allow?: unknown[];
  rules?: Array<{ name: string; args?: Record<string, unknown> }>;
  metas?: Array<Record<string, unknown>>;
}

/** Turns a Joi description into an OpenAPI 3 schema: the routes' own schemas are the documentation. */
function toSchema(d: Description): JsonSchema {
  const schema: JsonSchema = {};
  const flags = d.flags ?? {};
  if (flags.description) schema.description = flags.description;
  if (flags.default !== undefined && typeof flags.default !== 'function') schema.default = flags.default;
  for (const meta of d.metas ?? []) {
    if (meta.format) schema.format = meta.format;
    if (meta.example) schema.example = meta.example;
  }
  const allowed = (d.allow ?? []).filter((v) => v !== null);
  const nullable = (d.allow ?? []).includes(null);
  if (nullable) schema.nullable = true;
  const rule = (name: string) => d.rules?.find((r) => r.name === name)?.args;
  switch (d.type) {
    case 'object': {
      schema.type = 'object';
      if (d.keys) {
        schema.properties = Object.fromEntries(Object.entries(d.keys).map(([k, v]) => [k, toSchema(v)]));
        const required = Object.entries(d.keys).filter(([, v]) => v.flags?.presence === 'required').map(([k]) => k);
        if (required.length) schema.required = required;
        const unknownAllowed = (flags as { unknown?: boolean }).unknown === true;
        if (!unknownAllowed) schema.additionalProperties = false;
      }
      break;
    }
    case 'array':
      schema.type = 'array';
      schema.items = d.items?.[0] ? toSchema(d.items[0]) : {};
      if (rule('min')) schema.minItems = rule('min')!.limit;
      if (rule('max')) schema.maxItems = rule('max')!.limit;
      break;
    case 'number':
      schema.type = d.rules?.some((r) => r.name === 'integer') ? 'integer' : 'number';
      if (rule('min')) schema.minimum = rule('min')!.limit;
      if (rule('max')) schema.maximum = rule('max')!.limit;
      break;
    case 'boolean':
      schema.type = 'boolean';
      break;
    case 'string': {
      schema.type = 'string';
      if (rule('min')) schema.minLength = rule('min')!.limit;
      if (rule('max')) schema.maxLength = rule('max')!.limit;
      if (rule('length')) schema.minLength = schema.maxLength = rule('length')!.limit;
      const pattern = rule('pattern')?.regex;
      if (typeof pattern === 'string') schema.pattern = pattern.replace(/^\/|\/[a-z]*$/g, '');
      if (d.rules?.some((r) => r.name === 'guid')) schema.format = 'uuid';
      if (d.rules?.some((r) => r.name === 'isoDate')) schema.format = 'date-time';
      if (flags.only && allowed.length) schema.enum = allowed;
      break;
    }
    case 'alternatives':
      schema.oneOf = (d.matches ?? []).filter((m) => m.schema).map((m) => toSchema(m.schema!));
      break;
    default:
      break;
  }
  return schema;
}

function describe(schema: Joi.Schema): Description {
  return schema.describe() as unknown as Description;
}

function parameters(where: 'path' | 'query' | 'header', schema: Joi.ObjectSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const keys = describe(schema).keys ?? {};
  return Object.entries(keys).map(([name, d]) => ({
    name,
    in: where,
    required: where === 'path' || d.flags?.presence === 'required',
    schema: toSchema(d),
    ...(d.flags?.description ? { description: d.flags.description } : {}),
  }));
}

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

/** The OpenAPI 3 document for every declared endpoint (served at /api/openapi.json). */
export function buildOpenApi(endpoints: readonly Endpoint[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const e of endpoints) {
    const path = `/api/v1${e.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    const status = String(e.status ?? 200);
    const media = e.produces ?? 'application/json';
    const success: JsonSchema = { description: 'success' };
    if (media !== 'application/json') success.content = { [media]: { schema: { type: 'string', format: 'binary' } } };
    else if (e.response) success.content = { [media]: { schema: toSchema(describe(e.response)) } };
    const responses: Record<string, JsonSchema> = { [status]: success, '400': errorResponse('invalid input') };
    if (e.access !== 'public') {
      responses['401'] = errorResponse('missing, invalid or expired token');
      responses['403'] = errorResponse('role not allowed');
    }
    if (e.params) responses['404'] = errorResponse('not found, or outside the caller\'s scope');
    if (e.method !== 'get') {
      responses['409'] = errorResponse('conflict with the current state');
      responses['422'] = errorResponse('a business rule is broken');
    }
    const operation: JsonSchema = {
      operationId: `${e.method}_${e.path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
      summary: e.summary,
      tags: [e.tag],
      parameters: [...parameters('path', e.params), ...parameters('query', e.query), ...parameters('header', e.headers)],
      responses,
    };
    const roles = e.access === 'public' || e.access === 'any' ? undefined : `Roles: ${e.access.join(', ')}.`;
    const description = [e.description, roles].filter(Boolean).join('\n\n');
    if (description) operation.description = description;
    if (e.access === 'public') operation.security = [];
    if (e.body) operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(describe(e.body)) } } };
    if (e.consumes) {
      const file = { schema: { type: 'string', format: 'binary' } };
      // An endpoint taking a JSON body or a file (POST /statements/verify) documents its JSON shape.
      const json = e.body ? { schema: toSchema(describe(e.body)) } : file;
      operation.requestBody = { required: true, content: Object.fromEntries(e.consumes.map((media) => [media, media === 'application/json' ? json : file])) };
      responses['413'] = errorResponse('the body or the file is too large');
      responses['415'] = errorResponse(`the body is not one of ${e.consumes.join(', ')}`);
    }
    paths[path] = { ...paths[path], [e.method]: operation };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Fupin Finance API',
      version: info.version,
      description: 'Loans, guarantees and subsidies of a city\'s financial poverty-alleviation programme. Amounts are strings with two decimals; dates are YYYY-MM-DD.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: toSchema(describe(errorSchema)) },
    },
    paths,
  };
}
