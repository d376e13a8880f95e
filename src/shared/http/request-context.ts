import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (the caller's X-Request-Id when it is sane), echoed in the response and logs. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  const id = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/**
 * A path with every run shaped like a resident ID number masked as SPEC §3 shows it
 * (410225********1234): a caller may put one in a path by mistake (GET /households/<ID number>),
 * and the path is logged and quoted by the 404 of an unknown route.
 */
export function withIdNumbersMasked(path: string): string {
  return path.replace(/(\d{6})\d{8}(\d{3}[\dXx])/g, '$1********$2');
}

/**
 * One log line per request: method, path without the query (it may hold personal data), status, time.
 * The path as the caller sent it: req.path is relative to the router that is handling the request
 * when the answer finishes (GET /api/v1/me answered by the API router logged "/me"; refused by the
 * application's error handler, "/api/v1/me").
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const path = req.originalUrl.split('?', 1)[0]!;
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          requestId: res.locals.requestId,
          method: req.method,
          path: withIdNumbersMasked(path),
          status: res.statusCode,
          durationMs: Math.round(durationMs * 10) / 10,
          userId: res.locals.userId,
        },
        'request',
      );
    });
    next();
  };
}
