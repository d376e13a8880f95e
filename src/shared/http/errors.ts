import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { withIdNumbersMasked } from './request-context';

/**
 * A failure the caller can act on, with a stable code. Services throw these; they know nothing of
 * HTTP. The one table below turns codes into statuses (SPEC §9).
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

const STATUS_BY_CODE = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  DUPLICATE: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RULE_VIOLATION: 422,
  REFERENCE_NOT_FOUND: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

export function statusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export const notFound = (what: string): DomainError => new DomainError('NOT_FOUND', `${what} not found`);

export interface ErrorBody {
  error: { code: string; message: string; details: unknown[]; requestId: string };
}

/** PostgreSQL constraint failures the schema enforces, turned into the caller's error rather than a 500. */
function fromDatabaseError(error: unknown): DomainError | undefined {
  const pgError = (error as { driverError?: { code?: string; constraint?: string; detail?: string } }).driverError;
  const code = pgError?.code ?? (error as { code?: string }).code;
  const constraint = pgError?.constraint ?? (error as { constraint?: string }).constraint;
  switch (code) {
    case '23505':
      return new DomainError('DUPLICATE', 'a record with the same unique value already exists', { constraint });
    case '23503':
      return new DomainError('REFERENCE_NOT_FOUND', 'a referenced record does not exist or is still in use', { constraint });
    // ON DELETE RESTRICT: a record others still refer to (the services check first; this is the backstop).
    case '23001':
      return new DomainError('INVALID_STATE', 'the record is still referred to by others and cannot be deleted', { constraint });
    case '23514':
      return new DomainError('RULE_VIOLATION', 'the change breaks a rule of the data', { constraint });
    case '23P01':
      return new DomainError('DUPLICATE', 'the record overlaps one that already exists', { constraint });
    // An amount beyond its numeric column (the routes' Joi maxima should have said so first).
    case '22003':
      return new DomainError('RULE_VIOLATION', 'a number is too large to be stored');
    case '40001':
    case '40P01':
      return new DomainError('CONFLICT', 'the record was changed at the same time; retry the request');
    default:
      return databaseUnavailable(error, code) ? new DomainError('UNAVAILABLE', 'the database is unavailable; retry the request later') : undefined;
  }
}

/** PostgreSQL shutting down, refusing or out of connections (SQLSTATE classes 08 and 57P0x, 53300). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** The socket to PostgreSQL refused, cut or timed out (no SQLSTATE: Node's or pg's own errors). */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect)/;

/**
 * Whether the database could not be reached, rather than refused the statement: the caller should
 * retry later (503), and nothing the request asked for was done (its transaction, if any, never
 * committed). The error may be pg's own or TypeORM's wrapping of it (driverError).
 */
function databaseUnavailable(error: unknown, code: string | undefined): boolean {
  if (code !== undefined && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code))) return true;
  // TypeORM releases a transaction's query runner when its connection breaks; the transaction's next
  // statement then meets this instead of the connection's own error.
  if ((error as { name?: unknown }).name === 'QueryRunnerAlreadyReleasedError') return true;
  const messages = [(error as { message?: unknown }).message, (error as { driverError?: { message?: unknown } }).driverError?.message];
  return messages.some((message) => typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message));
}

/** Errors raised by Express's body parser or router before any route runs. */
function fromParserError(error: unknown): DomainError | undefined {
  const { type, status, expose } = error as { type?: string; status?: number; expose?: boolean };
  if (type === 'entity.parse.failed') return new DomainError('MALFORMED_JSON', 'the request body is not valid JSON');
  if (type === 'entity.too.large') return new DomainError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the request body encoding is not supported');
  }
  // The router could not percent-decode a path parameter (e.g. /regions/%E0%A4%A).
  if (error instanceof URIError && status === 400) {
    return new DomainError('VALIDATION_FAILED', 'the request is invalid', [
      { in: 'params', path: '', message: 'a path parameter is not valid percent-encoding', type: 'uri.invalid' },
    ]);
  }
  // Any other body the parser refused as the client's fault (a gzip body that does not inflate,
  // a length that does not match Content-Length): the body cannot be read as JSON.
  if (status === 400 && expose === true) return new DomainError('MALFORMED_JSON', 'the request body could not be read as JSON');
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = String(res.locals.requestId ?? '');
    const known = error instanceof DomainError ? error : (fromParserError(error) ?? fromDatabaseError(error));
    if (!known) {
      // A programmer error: log it with its context; the caller learns only the request id.
      logger.error({ err: error, requestId, method: req.method, path: withIdNumbersMasked(req.path) }, 'unhandled error');
    } else if (known.code === 'UNAVAILABLE') {
      // Not the caller's fault and not a bug, but operators must hear of it.
      logger.error({ err: error, requestId, method: req.method, path: withIdNumbersMasked(req.path) }, 'database unavailable');
    }
    const domainError = known ?? new DomainError('INTERNAL', 'internal error');
    // SPEC §9: every error carries code, message, details and requestId; details is always a list
    // (empty when there is nothing to add), so a client reads every error the same way.
    const details = domainError.details;
    const body: ErrorBody = {
      error: { code: domainError.code, message: domainError.message, details: Array.isArray(details) ? details : details === undefined ? [] : [details], requestId },
    };
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(statusOf(domainError.code)).json(body);
  };
}

export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new DomainError('NOT_FOUND', `no route ${req.method} ${withIdNumbersMasked(req.path)}`));
};
