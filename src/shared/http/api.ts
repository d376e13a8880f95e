import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import Joi from 'joi';
import type { Role } from '../../modules/users/user.entity';
import type { AuthenticatedContext, RequestContext } from '../auth/context';
import { DomainError } from './errors';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The media types of a JSON body, which every endpoint without `consumes` takes. */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/*+json'];
const DEFAULT_MAX_RAW_BODY_BYTES = 1024 * 1024;

export interface ValidInput {
  params: Record<string, any>;
  query: Record<string, any>;
  body: any;
  /** Only the headers the endpoint declares, validated (e.g. `idempotency-key`). */
  headers: Record<string, any>;
  /** For an endpoint with `consumes`: which of its media types the body has (absent without a body). */
  mediaType?: string;
}

/**
 * One endpoint, declared once: the route is mounted from it and the OpenAPI document is generated
 * from it, so the two cannot drift (issue 2 item 8).
 */
export interface Endpoint {
  method: HttpMethod;
  /** Express path under /api/v1, e.g. `/users/:id`. */
  path: string;
  summary: string;
  /**
   * What a caller should know beyond the summary, in full sentences: which records the caller's
   * scope lets it see, what it does not show. The OpenAPI operation's description, before its roles.
   */
  description?: string;
  tag: string;
  /** `public`: no token; `any`: any logged-in user; otherwise the roles allowed. */
  access: 'public' | 'any' | readonly Role[];
  params?: Joi.ObjectSchema;
  query?: Joi.ObjectSchema;
  body?: Joi.ObjectSchema;
  /** Request headers the endpoint reads, keyed in lower case, e.g. `{ 'idempotency-key': … }`. */
  headers?: Joi.ObjectSchema;
  /** The success status; 200 unless given. */
  status?: number;
  /** Describes the success body in the OpenAPI document. */
  response?: Joi.Schema;
  /** Media type of the success body; handlers that stream (PDF, CSV) write to `res` themselves. */
  produces?: string;
  /**
   * Media types of a raw request body, e.g. an uploaded CSV or XLSX file. The body arrives in
   * `input.body` as a Buffer (or undefined when empty), read only once the caller is authenticated,
   * and at most `maxBodyBytes` long (1 MiB unless given). Without `consumes` the body is JSON.
   */
  consumes?: readonly string[];
  maxBodyBytes?: number;
  handle(input: ValidInput, context: AuthenticatedContext, res: Response): Promise<unknown>;
}

const VALIDATION_OPTIONS: Joi.ValidationOptions = {
  abortEarly: false,
  convert: true,
  allowUnknown: false,
  errors: { wrap: { label: false } },
};

/**
 * Joi's pattern messages quote the value; an ID number typed into the wrong field (a phone, a
 * household number) would come back in the 400 and go on into logs. No message repeats a value.
 */
const MESSAGES_WITHOUT_VALUES: Joi.LanguageMessages = {
  'string.pattern.base': '{{#label}} does not match the required pattern: {{#regex}}',
  'string.pattern.name': '{{#label}} does not match the {{#name}} pattern',
  'string.pattern.invert.base': '{{#label}} matches the inverted pattern: {{#regex}}',
  'string.pattern.invert.name': '{{#label}} matches the inverted {{#name}} pattern',
};

/**
 * Each endpoint schema with those messages and the validation options, made once. Joi merges
 * options given to validate() with the schema's own preferences, and compiles their message
 * templates, on every call; called with none, it uses the merge it made the first time.
 */
const WITH_MESSAGES = new WeakMap<Joi.ObjectSchema, Joi.ObjectSchema>();

function validating(schema: Joi.ObjectSchema): Joi.ObjectSchema {
  let prepared = WITH_MESSAGES.get(schema);
  if (!prepared) {
    prepared = schema.prefs({ ...VALIDATION_OPTIONS, messages: MESSAGES_WITHOUT_VALUES });
    WITH_MESSAGES.set(schema, prepared);
  }
  return prepared;
}

/**
 * Characters PostgreSQL cannot store: NUL (text columns refuse 0x00) and a UTF-16 surrogate without
 * its pair (no UTF-8 form; jsonb refuses the escape JSON.stringify writes for it). JSON allows both
 * ("\u0000", "\ud800"), so a field holding one passed Joi and failed at the insert, a 500.
 */
const UNSTORABLE_CHARACTER = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasUnstorableCharacter(text: string): boolean {
  return UNSTORABLE_CHARACTER.test(text);
}

/** The paths of the strings under `value` holding an unstorable character (walked without recursion). */
function unstorableStrings(value: unknown): string[] {
  const found: string[] = [];
  const pending: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      if (hasUnstorableCharacter(next.value)) found.push(next.path.join('.'));
    } else if (typeof next.value === 'object' && next.value !== null && !Buffer.isBuffer(next.value)) {
      for (const [key, inner] of Object.entries(next.value)) pending.push({ value: inner, path: [...next.path, key] });
    }
  }
  return found.sort();
}

/** Validates params, query and body together and reports every problem at once. */
export function validateInput(endpoint: Endpoint, req: Request): ValidInput {
  const problems: Array<{ in: string; path: string; message: string; type: string }> = [];
  const check = (where: 'params' | 'query' | 'body', schema: Joi.ObjectSchema | undefined, value: unknown) => {
    if (!schema) {
      // Nothing is accepted here: name each field sent, as Joi would for an unknown key.
      const isRecord = typeof value === 'object' && value !== null && !Array.isArray(value);
      if (isRecord) {
        for (const key of Object.keys(value)) problems.push({ in: where, path: key, message: `${key} is not allowed`, type: 'object.unknown' });
      } else if (value !== undefined) {
        problems.push({ in: where, path: '', message: `${where} is not accepted here`, type: 'object.unknown' });
      }
      return {};
    }
    const { value: valid, error } = validating(schema).validate(value ?? {});
    for (const detail of error?.details ?? []) {
      problems.push({ in: where, path: detail.path.join('.'), message: detail.message, type: detail.type });
    }
    // What Joi accepted, walked: its shape is the schema's, so the walk is bounded.
    if (!error) {
      for (const path of unstorableStrings(valid)) {
        problems.push({ in: where, path, message: `${path || where} contains a NUL character or an unpaired surrogate`, type: 'string.unstorable' });
      }
    }
    return valid;
  };
  const input: ValidInput = {
    params: check('params', endpoint.params, req.params),
    query: check('query', endpoint.query, { ...req.query }),
    body: endpoint.consumes ? req.body : check('body', endpoint.body, req.body),
    headers: endpoint.headers ? checkHeaders(endpoint.headers, req, problems) : {},
  };
  if (endpoint.consumes && req.body !== undefined) input.mediaType = req.is([...endpoint.consumes]) || undefined;
  if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', 'the request is invalid', problems);
  return input;
}

/** Picks the declared headers out of the request (all others are none of the endpoint's business). */
function checkHeaders(schema: Joi.ObjectSchema, req: Request, problems: Array<{ in: string; path: string; message: string; type: string }>) {
  const declared = declaredHeaders(schema);
  const picked = Object.fromEntries(declared.filter((name) => req.get(name) !== undefined).map((name) => [name, req.get(name)]));
  const { value, error } = validating(schema).validate(picked);
  for (const detail of error?.details ?? []) {
    problems.push({ in: 'header', path: detail.path.join('.'), message: detail.message, type: detail.type });
  }
  return value ?? {};
}

/** Header names per schema, worked out once: Joi's describe() walks the whole schema and was paid on every request. */
const DECLARED_HEADERS = new WeakMap<Joi.ObjectSchema, readonly string[]>();

function declaredHeaders(schema: Joi.ObjectSchema): readonly string[] {
  let names = DECLARED_HEADERS.get(schema);
  if (!names) {
    names = Object.keys(schema.describe().keys ?? {});
    DECLARED_HEADERS.set(schema, names);
  }
  return names;
}

/**
 * A handler's answer already written as JSON text (by PostgreSQL), sent as it is instead of being
 * serialised again. It must be exactly what the endpoint's `response` schema describes.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

export type Authenticate = (req: Request, res: Response) => Promise<RequestContext['user']>;

export class ApiRegistry {
  private readonly endpoints: Endpoint[] = [];

  add(endpoint: Endpoint): void {
    const duplicate = this.endpoints.find((e) => e.method === endpoint.method && e.path === endpoint.path);
    if (duplicate) throw new Error(`endpoint declared twice: ${endpoint.method.toUpperCase()} ${endpoint.path}`);
    this.endpoints.push(endpoint);
  }

  list(): readonly Endpoint[] {
    return this.endpoints;
  }

  mount(router: Router, authenticate: Authenticate): void {
    for (const endpoint of this.endpoints) {
      router[endpoint.method](endpoint.path, this.handler(endpoint, authenticate));
    }
  }

  private handler(endpoint: Endpoint, authenticate: Authenticate): RequestHandler {
    const readBody = bodyReader(endpoint);
    return async (req, res) => {
      const user = endpoint.access === 'public' ? null : await authenticate(req, res);
      if (endpoint.access !== 'public') {
        if (!user) throw new DomainError('UNAUTHENTICATED', 'a valid bearer token is required');
        if (endpoint.access !== 'any' && !endpoint.access.includes(user.role)) {
          throw new DomainError('FORBIDDEN', `the ${user.role} role may not ${endpoint.summary.toLowerCase()}`);
        }
      }
      await readBody(req, res);
      const input = validateInput(endpoint, req);
      const context = { requestId: String(res.locals.requestId), user, ip: req.ip ?? '' } as AuthenticatedContext;
      res.locals.userId = user?.id;
      const result = await endpoint.handle(input, context, res);
      if (res.headersSent || res.writableEnded) return;
      if (result === undefined) {
        res.status(endpoint.status ?? 204).end();
        return;
      }
      if (result instanceof RawJson) {
        res.status(endpoint.status ?? 200).type('application/json').send(result.text);
        return;
      }
      res.status(endpoint.status ?? 200).json(result);
    };
  }
}

/**
 * Refuses a body of a media type the endpoint does not take (415, rather than a vaguer failure later)
 * and reads a raw body for endpoints that declare `consumes`. JSON bodies were already parsed by the
 * router's express.json.
 */
function bodyReader(endpoint: Endpoint): (req: Request, res: Response) => Promise<void> {
  const accepted = endpoint.consumes ?? JSON_MEDIA_TYPES;
  const parseRaw = endpoint.consumes
    ? express.raw({ type: () => true, limit: endpoint.maxBodyBytes ?? DEFAULT_MAX_RAW_BODY_BYTES })
    : undefined;
  return async (req, res) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (!hasBody) return;
    if (!req.is([...accepted])) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `send the request body as ${accepted.join(' or ')}`);
    }
    if (parseRaw) {
      await new Promise<void>((resolve, reject) => parseRaw(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
    }
  };
}
