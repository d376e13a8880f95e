import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config';
import type { AuthenticatedContext, AuthUser } from '../../shared/auth/context';
import { named } from '../../shared/db/prepared';
import { inTransaction } from '../../shared/db/transaction';
import { DomainError } from '../../shared/http/errors';
import { recordAudit } from '../audit/audit.service';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../users/password';
import type { Role } from '../users/user.entity';
import type { RegionLevel } from '../regions/region.entity';
import type { AuthUserCache } from './auth-user-cache';

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: AuthUser;
}

interface TokenClaims {
  sub: string;
  role: Role;
  /** The user's token generation when it was issued (users.token_generation); none before it existed: 0. */
  gen?: number;
}

/** An authenticated user as kept between requests: who, and which tokens are still theirs. */
export interface AuthUserEntry {
  user: AuthUser;
  tokenGeneration: number;
}

/** What a verified token holds: the claims, and its expiry (seconds since the epoch). */
type VerifiedClaims = TokenClaims & { exp: number };
/** How many verified tokens an instance remembers (each a few hundred bytes). */
const VERIFIED_TOKENS_MAX = 10_000;

const TOKEN_ALGORITHM = 'HS256';
const TOKEN_ISSUER = 'fupin-finance';
/** Per address, this many times the per-user limit: enough for an office behind one NAT. */
const ADDRESS_LIMIT_FACTOR = 10;
/** Advisory-lock classes (first key) of the login claims: per user name, per address (hashtext of each). */
const LOGIN_LOCK_USER = 7310401;
const LOGIN_LOCK_ADDRESS = 7310402;
/** The width of login_attempts.username and .ip (varchar(64)). */
const ATTEMPT_KEY_MAX_LENGTH = 64;

/** One query loads the caller with everything scope needs: region path and level, head-office bank. */
const AUTH_USER_SQL = `
  SELECT u.id, u.username, u.display_name, u.role, u.region_code, r.path AS region_path, r.level AS region_level,
         u.institution_id, u.enterprise_id, u.active,
         CASE WHEN i.type = 'bank_branch' THEN i.parent_id WHEN i.type = 'bank' THEN i.id END AS bank_id,
         u.password_hash, u.token_generation
    FROM users u
    JOIN regions r ON r.code = u.region_code
    LEFT JOIN institutions i ON i.id = u.institution_id
   WHERE %WHERE%`;

/** Every authenticated request runs this one: prepared, so it is planned once per connection. */
const AUTH_USER_BY_ID = named('auth-user-by-id', AUTH_USER_SQL.replace('%WHERE%', 'u.id = $1'));

interface AuthUserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  region_code: string;
  region_path: string;
  region_level: RegionLevel;
  institution_id: string | null;
  enterprise_id: string | null;
  bank_id: string | null;
  active: boolean;
  password_hash: string;
  token_generation: number;
}

function toAuthUser(row: AuthUserRow): AuthUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    regionCode: row.region_code,
    regionPath: row.region_path,
    regionLevel: row.region_level,
    institutionId: row.institution_id,
    bankId: row.role === 'loan_officer' ? row.bank_id : null,
    enterpriseId: row.enterprise_id,
  };
}

export class AuthService {
  /**
   * The HMAC key, made once. Given the secret as a string, jsonwebtoken 9 first tries to parse it as
   * a PEM public key (createPublicKey) on every sign and verify before falling back to a secret key:
   * a quarter of the CPU of an authenticated request (docs/performance.md). The algorithm stays pinned
   * to HS256 on both sides, so a KeyObject changes nothing about which tokens are accepted.
   */
  private readonly tokenKey: KeyObject;

  /**
   * @param users the users recently authenticated (createServices gives one unless
   *   AUTH_CACHE_SECONDS is 0); without it every request loads its user.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly users?: AuthUserCache<AuthUserEntry>,
  ) {
    this.tokenKey = crypto.createSecretKey(Buffer.from(config.tokenSecret, 'utf8'));
  }

  async login(typedUsername: string, password: string, typedIp: string): Promise<LoginResult> {
    let row: AuthUserRow | undefined;
    const succeeded = await this.tryPassword(typedUsername, typedIp, async () => {
      [row] = await this.dataSource.query(AUTH_USER_SQL.replace('%WHERE%', 'u.username = $1'), [typedUsername]);
      const passwordOk = await verifyPassword(password, row?.password_hash ?? (await decoyPasswordHash()));
      return !!row && row.active && passwordOk;
    });
    // One message for a wrong name, a wrong password and a disabled account: nothing to enumerate.
    if (!succeeded || !row) throw new DomainError('INVALID_CREDENTIALS', 'the user name or password is wrong');
    return this.issueToken(toAuthUser(row), row.token_generation);
  }

  /**
   * A user sets their own password (POST /auth/password). The current one must be given, and it is
   * tried under the login's limit on failures, so a session left open cannot guess it faster than a
   * login could. The change ends the user's other sessions (the token generation moves on, as at an
   * admin's reset) and answers a new token for this one; the audit log records it without either
   * password. Compared and set in one statement: a change that raced this one makes it a 409.
   */
  async changeOwnPassword(context: AuthenticatedContext, currentPassword: string, newPassword: string): Promise<LoginResult> {
    let row: AuthUserRow | undefined;
    const succeeded = await this.tryPassword(context.user.username, context.ip, async () => {
      [row] = await this.dataSource.query(AUTH_USER_BY_ID, [context.user.id]);
      return !!row && row.active && (await verifyPassword(currentPassword, row.password_hash));
    });
    if (!row || !row.active) throw new DomainError('UNAUTHENTICATED', 'a valid bearer token is required');
    if (!succeeded) {
      throw new DomainError('RULE_VIOLATION', 'the current password is wrong', [
        { field: 'currentPassword', rule: 'CURRENT_PASSWORD', message: 'the password this account logs in with now' },
      ]);
    }
    const current = row;
    const passwordHash = await hashPassword(newPassword);
    const generation = await inTransaction(this.dataSource, async (manager) => {
      // An UPDATE's answer through TypeORM: [rows, count].
      const [[changed]]: [Array<{ token_generation: number }>, number] = await manager.query(
        `UPDATE users SET password_hash = $2, token_generation = token_generation + 1, updated_at = now()
          WHERE id = $1 AND active AND password_hash = $3 RETURNING token_generation`,
        [current.id, passwordHash, current.password_hash],
      );
      if (!changed) throw new DomainError('CONFLICT', 'the account was changed at the same time; log in again and retry');
      await recordAudit(manager, context, { action: 'change_own_password', entityType: 'user', entityId: current.id, regionPath: current.region_path });
      return changed.token_generation;
    });
    this.forgetUser(current.id);
    return this.issueToken(toAuthUser(current), generation);
  }

  /**
   * A password tried under the login limit (login, and a user's own password change): the attempt
   * is claimed (429 when the window's failures are used up), `check` tries the password, and the
   * attempt is marked successful when it held. The attempt is counted under what the login_attempts
   * columns hold: a name that lower-cases longer than it was typed ('İ' is two characters in lower
   * case), or a forwarded address of any length, would otherwise fail the insert (a 500). No user
   * name is that long, so the attempt fails all the same, and is counted.
   */
  private async tryPassword(username: string, ip: string, check: () => Promise<boolean>): Promise<boolean> {
    const attemptId = await this.claimAttempt(username.slice(0, ATTEMPT_KEY_MAX_LENGTH), ip.slice(0, ATTEMPT_KEY_MAX_LENGTH));
    const succeeded = await check();
    if (succeeded) await this.dataSource.query('UPDATE login_attempts SET succeeded = true WHERE id = $1', [attemptId]);
    return succeeded;
  }

  private issueToken(user: AuthUser, generation: number): LoginResult {
    const claims: TokenClaims = { sub: user.id, role: user.role, gen: generation };
    const token = jwt.sign(claims, this.tokenKey, {
      algorithm: TOKEN_ALGORITHM,
      expiresIn: this.config.tokenTtlSeconds,
      issuer: TOKEN_ISSUER,
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000).toISOString(), user };
  }

  /**
   * Verifies a bearer token and loads its user: from PostgreSQL, or from the cache of users this
   * instance authenticated, which PostgreSQL's notifications keep current (auth-user-cache.ts), so a
   * disabled user's tokens stop working as soon as the change commits and is heard.
   */
  async authenticate(authorization: string | undefined): Promise<AuthUser> {
    // RFC 7235 §2.1: the scheme is case-insensitive and one or more spaces separate it from the token.
    const match = /^bearer +([A-Za-z0-9_.-]{10,4096})$/i.exec(authorization ?? '');
    if (!match) throw new DomainError('UNAUTHENTICATED', 'a valid bearer token is required');
    const token = match[1]!;
    let claims = this.verifiedTokens.get(token);
    if (claims) {
      // As jsonwebtoken judges expiry: expired from the second `exp` names on.
      if (Math.floor(Date.now() / 1000) >= claims.exp) {
        this.verifiedTokens.delete(token);
        throw new DomainError('TOKEN_EXPIRED', 'the token has expired; log in again');
      }
    } else {
      try {
        claims = jwt.verify(token, this.tokenKey, {
          algorithms: [TOKEN_ALGORITHM],
          issuer: TOKEN_ISSUER,
        }) as VerifiedClaims;
      } catch (error) {
        if (error instanceof jwt.TokenExpiredError) throw new DomainError('TOKEN_EXPIRED', 'the token has expired; log in again');
        throw new DomainError('UNAUTHENTICATED', 'the token is not valid');
      }
      this.rememberVerified(token, claims);
    }
    // A uuid in its canonical form: anything else would reach PostgreSQL's uuid cast and fail there (a 500).
    if (typeof claims.sub !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(claims.sub)) {
      throw new DomainError('UNAUTHENTICATED', 'the token is not valid');
    }
    const userId = claims.sub;
    const load = async (): Promise<AuthUserEntry | undefined> => {
      const rows: AuthUserRow[] = await this.dataSource.query(AUTH_USER_BY_ID, [userId]);
      const row = rows[0];
      // Frozen: a cached user is shared by every request it authenticates.
      return row && row.active ? Object.freeze({ user: Object.freeze(toAuthUser(row)), tokenGeneration: row.token_generation }) : undefined;
    };
    const entry = this.users ? await this.users.get(userId, load) : await load();
    if (!entry) throw new DomainError('UNAUTHENTICATED', 'the token is not valid');
    if ((claims.gen ?? 0) !== entry.tokenGeneration) {
      throw new DomainError('UNAUTHENTICATED', 'the token was issued before the password was last set; log in again');
    }
    return entry.user;
  }

  /**
   * Tokens this instance verified, with their claims, so that a client's next requests skip the
   * signature check (decoding, two JSON parses and an HMAC: a few per cent of a loan read's CPU). The
   * key never changes while the process runs, so a token verified once stays verified; its expiry is
   * still judged on every request, and its user is still loaded (or taken from the user cache, which
   * hears when a user is disabled) every time. Only tokens with an `exp` are kept, at most
   * VERIFIED_TOKENS_MAX, the oldest forgotten first.
   */
  private readonly verifiedTokens = new Map<string, VerifiedClaims>();

  private rememberVerified(token: string, claims: VerifiedClaims): void {
    if (typeof claims.exp !== 'number') return;
    if (this.verifiedTokens.size >= VERIFIED_TOKENS_MAX) {
      this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
    }
    this.verifiedTokens.set(token, claims);
  }

  /** This instance changed a user: forget it here at once (other instances hear of it from PostgreSQL). */
  forgetUser(id: string): void {
    this.users?.forget(id);
  }

  /** Stops listening for user changes (at shutdown). */
  async close(): Promise<void> {
    await this.users?.stop();
  }

  /**
   * Records the attempt, as failed until it succeeds, before the password is checked, once the
   * failures of the window allow it. Counting first and recording after the slow check let every
   * attempt of a burst pass the count: twenty at once were twenty guesses where the limit is five.
   * Counting and recording run in one short transaction under advisory locks on the user name and
   * on the address (in that order, so two claims never wait on each other crosswise): claims for one
   * name or one address are counted one after the other, each seeing the ones before it committed.
   * A refused attempt is not recorded: it tried no password, so it is not another failure.
   */
  private async claimAttempt(username: string, ip: string): Promise<string> {
    return inTransaction(this.dataSource, async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(${LOGIN_LOCK_USER}, hashtext($1))`, [username]);
      await manager.query(`SELECT pg_advisory_xact_lock(${LOGIN_LOCK_ADDRESS}, hashtext($1))`, [ip]);
      const window = `${this.config.loginWindowMinutes} minutes`;
      const [counts] = await manager.query(
        `SELECT count(*) FILTER (WHERE username = $1)::int AS by_user,
                count(*) FILTER (WHERE ip = $2)::int AS by_address
           FROM login_attempts
          WHERE NOT succeeded AND attempted_at > now() - $3::interval AND (username = $1 OR ip = $2)`,
        [username, ip, window],
      );
      const limit = this.config.loginMaxFailures;
      if (counts.by_user >= limit || counts.by_address >= limit * ADDRESS_LIMIT_FACTOR) {
        throw new DomainError('RATE_LIMITED', `too many failed logins; try again in ${this.config.loginWindowMinutes} minutes`);
      }
      const [{ id }] = await manager.query(
        `INSERT INTO login_attempts (username, ip, succeeded) VALUES ($1, $2, false) RETURNING id::text AS id`,
        [username, ip],
      );
      return id as string;
    });
  }

}
