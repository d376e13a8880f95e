import type { RegionLevel } from '../../modules/regions/region.entity';
import type { Role } from '../../modules/users/user.entity';

/** The caller, as loaded for each request from the token's user id. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  regionCode: string;
  regionPath: string;
  regionLevel: RegionLevel;
  institutionId: string | null;
  /** The head-office bank of a loan officer's institution (itself when it is not a branch). */
  bankId: string | null;
  enterpriseId: string | null;
}

/** What a use case needs to know about the request: who, and which request (for the audit log). */
export interface RequestContext {
  requestId: string;
  user: AuthUser | null;
  ip: string;
}

export interface AuthenticatedContext extends RequestContext {
  user: AuthUser;
}
