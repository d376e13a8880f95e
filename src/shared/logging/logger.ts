import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Secrets and personal data never reach them: these paths are redacted
 * wherever they appear, and request logs carry the path without its query string.
 */
const REDACT_PATHS = [
  'password',
  'token',
  'idNumber',
  'passwordHash',
  'authorization',
  '*.password',
  '*.token',
  '*.idNumber',
  '*.passwordHash',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  // A failed query's bound values (password hashes, sealed ID numbers) when an unhandled error is logged.
  'err.parameters',
  'err.driverError.parameters',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'fupin-finance' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
