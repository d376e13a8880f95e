import crypto from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, DEV_ID_ENCRYPTION_KEY, DEV_ID_HASH_KEY, DEV_TOKEN_SECRET, loadConfig } from '../../src/config';

/** The environment, validated once at start (STYLE "env checked by a Joi schema"; issue 2 item 9). */
describe('configuration (loadConfig)', () => {
  const key32 = () => crypto.randomBytes(32).toString('base64');
  const production = () => ({
    NODE_ENV: 'production',
    TOKEN_SECRET: crypto.randomBytes(32).toString('hex'),
    ID_ENCRYPTION_KEY: key32(),
    ID_HASH_KEY: key32(),
  });
  function refusal(env: Record<string, string>): ConfigError {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return error as ConfigError;
    }
    expect.fail(`loadConfig accepted ${JSON.stringify(env)}`);
  }

  it('when nothing is set, then the development defaults apply', () => {
    const config = loadConfig({});
    expect(config).to.deep.include({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      databasePoolSize: 10,
      databasePoolIdleSeconds: 300,
      embeddedPgDir: '.data/postgres',
      embeddedPgPort: 54329,
      tokenSecret: DEV_TOKEN_SECRET,
      tokenTtlSeconds: 8 * 3600,
      logLevel: 'info',
      loginMaxFailures: 5,
      loginWindowMinutes: 15,
      authCacheSeconds: 60,
      idSearchesPerHour: 60,
      loadDemoData: true,
      jobsEnabled: true,
      trustProxy: ['loopback', 'linklocal', 'uniquelocal'],
    });
    expect(config.idEncryptionKey).to.have.length(32);
    expect(config.idEncryptionKey.toString('base64')).to.equal(DEV_ID_ENCRYPTION_KEY);
    expect(config.idHashKey.toString('base64')).to.equal(DEV_ID_HASH_KEY);
  });

  it('when variables are set, then they are converted to their types', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '8080',
      DATABASE_URL: 'postgres://fupin:secret@db.internal:5432/fupin',
      TOKEN_TTL_SECONDS: '600',
      LOG_LEVEL: 'warn',
      LOGIN_MAX_FAILURES: '3',
      AUTH_CACHE_SECONDS: '0',
      DATABASE_POOL_SIZE: '4',
      DATABASE_POOL_IDLE_SECONDS: '0',
      LOAD_DEMO_DATA: '0',
      JOBS_ENABLED: 'false',
    });
    expect(config).to.deep.include({
      nodeEnv: 'test',
      port: 8080,
      databaseUrl: 'postgres://fupin:secret@db.internal:5432/fupin',
      tokenTtlSeconds: 600,
      logLevel: 'warn',
      loginMaxFailures: 3,
      authCacheSeconds: 0,
      databasePoolSize: 4,
      databasePoolIdleSeconds: 0,
      loadDemoData: false,
      jobsEnabled: false,
    });
  });

  it('when a variable is the empty string (as in a copied .env.example), then its default applies', () => {
    const config = loadConfig({ NODE_ENV: '', PORT: '', TOKEN_SECRET: '', ID_ENCRYPTION_KEY: '', LOG_LEVEL: '', LOAD_DEMO_DATA: '' });
    expect(config).to.deep.include({ nodeEnv: 'development', port: 3000, tokenSecret: DEV_TOKEN_SECRET, logLevel: 'info', loadDemoData: true });
  });

  it('when unrelated variables are present (PATH, HOME …), then they are ignored', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', SOMETHING_ELSE: 'x' })).not.to.throw();
  });

  it('when NODE_ENV is production with the default TOKEN_SECRET, then it refuses, naming TOKEN_SECRET', () => {
    const { TOKEN_SECRET: _omitted, ...env } = production();
    expect(refusal(env).message).to.include('TOKEN_SECRET');
    expect(refusal({ ...env, TOKEN_SECRET: DEV_TOKEN_SECRET }).message).to.include('TOKEN_SECRET');
  });

  it('when NODE_ENV is production with the default ID_ENCRYPTION_KEY, then it refuses, naming it', () => {
    const { ID_ENCRYPTION_KEY: _omitted, ...env } = production();
    expect(refusal(env).message).to.include('ID_ENCRYPTION_KEY');
  });

  it('when NODE_ENV is production with the default ID_HASH_KEY, then it refuses, naming it', () => {
    const { ID_HASH_KEY: _omitted, ...env } = production();
    expect(refusal(env).message).to.include('ID_HASH_KEY');
    expect(refusal({ ...env, ID_HASH_KEY: DEV_ID_HASH_KEY }).message).to.include('ID_HASH_KEY');
  });

  it('when NODE_ENV is production with its own secret and keys, then it loads', () => {
    const env = production();
    const config = loadConfig(env);
    expect(config.nodeEnv).to.equal('production');
    expect(config.tokenSecret).to.equal(env.TOKEN_SECRET);
    expect(config.idEncryptionKey.equals(Buffer.from(env.ID_ENCRYPTION_KEY, 'base64'))).to.equal(true);
    expect(config.idHashKey.equals(Buffer.from(env.ID_HASH_KEY, 'base64'))).to.equal(true);
  });

  it('when PORT is not a number or out of range, then it refuses, naming PORT', () => {
    for (const port of ['abc', '-1', '70000', '80.5']) {
      expect(refusal({ PORT: port }).message, port).to.include('PORT');
    }
  });

  it('when the pool size or idle time is not a whole number in range, then it refuses, naming it', () => {
    for (const size of ['1', '201', 'ten', '4.5']) expect(refusal({ DATABASE_POOL_SIZE: size }).message, size).to.include('DATABASE_POOL_SIZE');
    for (const idle of ['-1', '86401', '1.5']) expect(refusal({ DATABASE_POOL_IDLE_SECONDS: idle }).message, idle).to.include('DATABASE_POOL_IDLE_SECONDS');
  });

  it('when ID_ENCRYPTION_KEY is not 32 bytes of base64, then it refuses, naming it', () => {
    for (const key of [crypto.randomBytes(16).toString('base64'), crypto.randomBytes(33).toString('base64'), 'not base64 at all!']) {
      expect(refusal({ ID_ENCRYPTION_KEY: key }).message).to.include('ID_ENCRYPTION_KEY');
    }
    expect(refusal({ ID_HASH_KEY: crypto.randomBytes(31).toString('base64') }).message).to.include('ID_HASH_KEY');
  });

  it('when TOKEN_SECRET is shorter than 32 characters, then it refuses', () => {
    expect(refusal({ TOKEN_SECRET: 'short-secret' }).message).to.include('TOKEN_SECRET');
  });

  it('when other values are out of their range, then every problem is reported at once', () => {
    const message = refusal({ NODE_ENV: 'staging', LOG_LEVEL: 'verbose', TOKEN_TTL_SECONDS: '10', DATABASE_URL: 'mysql://x/y', LOGIN_MAX_FAILURES: '0' }).message;
    for (const name of ['NODE_ENV', 'LOG_LEVEL', 'TOKEN_TTL_SECONDS', 'DATABASE_URL', 'LOGIN_MAX_FAILURES']) expect(message).to.include(name);
  });

  it('when TRUST_PROXY names proxies, then exactly those are trusted; "none" trusts none; anything else is refused', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.3.7, 192.168.0.0/16,loopback' }).trustProxy).to.deep.equal(['10.0.3.7', '192.168.0.0/16', 'loopback']);
    expect(loadConfig({ TRUST_PROXY: 'none' }).trustProxy).to.equal(false);
    for (const value of ['10.0.3.300', 'everyone', 'loopback,,', 'true']) expect(refusal({ TRUST_PROXY: value }).message, value).to.include('TRUST_PROXY');
  });

  it('when a refusal names a secret variable, then it does not print the secret\'s value', () => {
    const secret = 'short-but-secret-value';
    expect(refusal({ TOKEN_SECRET: secret }).message).not.to.include(secret);
  });
});
