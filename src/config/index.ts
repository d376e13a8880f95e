import Joi from 'joi';

/**
 * Every environment variable the service reads, validated once at start (see .env.example).
 * Nothing else in src/ reads process.env.
 */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  host: string;
  port: number;
  databaseUrl?: string;
  /** Connections of this instance's pool, and how long one may stay idle before it is closed (0: never). */
  databasePoolSize: number;
  databasePoolIdleSeconds: number;
  embeddedPgDir: string;
  embeddedPgPort: number;
  tokenSecret: string;
  tokenTtlSeconds: number;
  idEncryptionKey: Buffer;
  idHashKey: Buffer;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  loginMaxFailures: number;
  loginWindowMinutes: number;
  /** Searches by resident ID number one user may make in an hour (POST /households/lookup, GET /households?idNumber). */
  idSearchesPerHour: number;
  /** How long an authenticated user is kept in memory at most (0: loaded on every request). */
  authCacheSeconds: number;
  loadDemoData: boolean;
  jobsEnabled: boolean;
  /** The proxies whose X-Forwarded-For is believed (Express's `trust proxy`): names and addresses, or false. */
  trustProxy: string[] | false;
}

/** Development defaults: a production start refuses them (SPEC §9, issue 2 item 9). */
export const DEV_TOKEN_SECRET = 'dev-only-token-secret-change-me-0123456789';
export const DEV_ID_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
export const DEV_ID_HASH_KEY = Buffer.alloc(32, 11).toString('base64');

const base64Key32 = Joi.string()
  .base64()
  .custom((value: string, helpers) =>
    Buffer.from(value, 'base64').length === 32 ? value : helpers.error('any.invalid'),
  )
  .messages({ 'any.invalid': '{{#label}} must be 32 bytes, base64-encoded' });

const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'test', 'production').default('development'),
  HOST: Joi.string().hostname().default('127.0.0.1'),
  PORT: Joi.number().integer().min(0).max(65535).default(3000),
  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
  DATABASE_POOL_SIZE: Joi.number().integer().min(2).max(200).default(10),
  DATABASE_POOL_IDLE_SECONDS: Joi.number().integer().min(0).max(24 * 3600).default(300),
  EMBEDDED_PG_DIR: Joi.string().default('.data/postgres'),
  EMBEDDED_PG_PORT: Joi.number().integer().min(1024).max(65535).default(54329),
  TOKEN_SECRET: Joi.string().min(32).default(DEV_TOKEN_SECRET),
  TOKEN_TTL_SECONDS: Joi.number().integer().min(60).max(7 * 24 * 3600).default(8 * 3600),
  ID_ENCRYPTION_KEY: base64Key32.default(DEV_ID_ENCRYPTION_KEY),
  ID_HASH_KEY: base64Key32.default(DEV_ID_HASH_KEY),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  LOGIN_MAX_FAILURES: Joi.number().integer().min(1).max(1000).default(5),
  LOGIN_WINDOW_MINUTES: Joi.number().integer().min(1).max(24 * 60).default(15),
  ID_SEARCHES_PER_HOUR: Joi.number().integer().min(1).max(100_000).default(60),
  AUTH_CACHE_SECONDS: Joi.number().integer().min(0).max(3600).default(60),
  LOAD_DEMO_DATA: Joi.boolean().truthy('1').falsy('0').default(true),
  JOBS_ENABLED: Joi.boolean().truthy('1').falsy('0').default(true),
  TRUST_PROXY: Joi.string()
    .custom((value: string, helpers) => {
      if (value.trim() === 'none') return value;
      const items = value.split(',').map((item) => item.trim());
      const bad = items.find((item) => !PROXY_NAMES.has(item) && Joi.string().ip({ cidr: 'optional' }).validate(item).error);
      return bad === undefined ? value : helpers.error('any.invalid');
    })
    .messages({ 'any.invalid': '{{#label}} must be "none" or a comma-separated list of loopback, linklocal, uniquelocal, IP addresses and subnets' })
    .default('loopback, linklocal, uniquelocal'),
})
  .unknown(true)
  .custom((env: Record<string, unknown>, helpers) => {
    if (env.NODE_ENV !== 'production') return env;
    if (env.TOKEN_SECRET === DEV_TOKEN_SECRET) return helpers.message({ custom: 'TOKEN_SECRET must be set in production' });
    if (env.ID_ENCRYPTION_KEY === DEV_ID_ENCRYPTION_KEY) return helpers.message({ custom: 'ID_ENCRYPTION_KEY must be set in production' });
    if (env.ID_HASH_KEY === DEV_ID_HASH_KEY) return helpers.message({ custom: 'ID_HASH_KEY must be set in production' });
    return env;
  });

/** The address ranges Express's `trust proxy` knows by name. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (as in a copied .env.example) means "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const { value, error } = envSchema.validate(present, { abortEarly: false, convert: true });
  if (error) throw new ConfigError(`Invalid configuration: ${error.details.map((d) => d.message).join('; ')}`);
  return {
    nodeEnv: value.NODE_ENV,
    host: value.HOST,
    port: value.PORT,
    databaseUrl: value.DATABASE_URL,
    databasePoolSize: value.DATABASE_POOL_SIZE,
    databasePoolIdleSeconds: value.DATABASE_POOL_IDLE_SECONDS,
    embeddedPgDir: value.EMBEDDED_PG_DIR,
    embeddedPgPort: value.EMBEDDED_PG_PORT,
    tokenSecret: value.TOKEN_SECRET,
    tokenTtlSeconds: value.TOKEN_TTL_SECONDS,
    idEncryptionKey: Buffer.from(value.ID_ENCRYPTION_KEY, 'base64'),
    idHashKey: Buffer.from(value.ID_HASH_KEY, 'base64'),
    logLevel: value.LOG_LEVEL,
    loginMaxFailures: value.LOGIN_MAX_FAILURES,
    loginWindowMinutes: value.LOGIN_WINDOW_MINUTES,
    idSearchesPerHour: value.ID_SEARCHES_PER_HOUR,
    authCacheSeconds: value.AUTH_CACHE_SECONDS,
    loadDemoData: value.LOAD_DEMO_DATA,
    jobsEnabled: value.JOBS_ENABLED,
    trustProxy: value.TRUST_PROXY.trim() === 'none' ? false : value.TRUST_PROXY.split(',').map((item: string) => item.trim()),
  };
}
