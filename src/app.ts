import express, { type Express } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { AuditService } from './modules/audit/audit.service';
import { registerAuditRoutes } from './modules/audit/audit.routes';
import { registerAuthRoutes } from './modules/auth/auth.routes';
import { AuthService, type AuthUserEntry } from './modules/auth/auth.service';
import { AuthUserCache } from './modules/auth/auth-user-cache';
import { registerBenefitRoutes } from './modules/benefits/benefits.routes';
import { BenefitsService } from './modules/benefits/benefits.service';
import { createTargetServices, registerTargetRoutes, type TargetServices } from './modules/targets';
import { registerLinkageRoutes } from './modules/linkages/linkages.routes';
import { LinkagesService } from './modules/linkages/linkages.service';
import { FundsService, registerFundRoutes } from './modules/funds';
import { createClaimServices, registerClaimRoutes, type ClaimServices } from './modules/claims';
import { createGuaranteeServices, registerGuaranteeRoutes, type GuaranteeServices } from './modules/guarantees';
import { registerEnterpriseRoutes } from './modules/enterprises/enterprises.routes';
import { EnterprisesService } from './modules/enterprises/enterprises.service';
import { registerHouseholdRoutes } from './modules/households/households.routes';
import { HouseholdsService } from './modules/households/households.service';
import { registerImportRoutes } from './modules/imports/imports.routes';
import { createJobServices, registerJobRoutes, type JobServices } from './modules/jobs';
import { ImportsService } from './modules/imports/imports.service';
import { DelinquencyService } from './modules/loans/delinquency.service';
import { createSettlementServices, registerSettlementRoutes, type SettlementServices } from './modules/settlements';
import { LoanRegistrationService } from './modules/loans/loan-registration.service';
import { LoanServicingService } from './modules/loans/loan-servicing.service';
import { registerLoanRoutes } from './modules/loans/loans.routes';
import { LoansQueryService } from './modules/loans/loans-query.service';
import { registerInstitutionRoutes } from './modules/institutions/institutions.routes';
import { registerModelRoutes } from './modules/models/models.routes';
import { ModelsService } from './modules/models/models.service';
import { InstitutionsService } from './modules/institutions/institutions.service';
import { registerReferenceRateRoutes } from './modules/reference-rates/reference-rates.routes';
import { ReferenceRatesService } from './modules/reference-rates/reference-rates.service';
import { registerRegionRoutes } from './modules/regions/regions.routes';
import { RegionsService } from './modules/regions/regions.service';
import { registerUserRoutes } from './modules/users/users.routes';
import { UsersService } from './modules/users/users.service';
import { IdNumberVault } from './shared/crypto/id-number-vault';
import { ApiRegistry, JSON_MEDIA_TYPES } from './shared/http/api';
import { errorHandler, routeNotFound } from './shared/http/errors';
import { buildOpenApi } from './shared/http/openapi';
import { accessLog, requestId } from './shared/http/request-context';
import type { Logger } from './shared/logging/logger';

export const API_PREFIX = '/api/v1';
const BODY_LIMIT = '1mb';

export interface AppDependencies {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
}

export interface Services {
  auth: AuthService;
  audit: AuditService;
  users: UsersService;
  regions: RegionsService;
  institutions: InstitutionsService;
  referenceRates: ReferenceRatesService;
  households: HouseholdsService;
  enterprises: EnterprisesService;
  linkages: LinkagesService;
  benefits: BenefitsService;
  loanRegistration: LoanRegistrationService;
  loanServicing: LoanServicingService;
  loansQuery: LoansQueryService;
  delinquency: DelinquencyService;
  targets: TargetServices;
  models: ModelsService;
  funds: FundsService;
  imports: ImportsService;
  jobs: JobServices;
  guarantees: GuaranteeServices;
  claims: ClaimServices;
  settlements: SettlementServices;
}

export function createServices({ dataSource, config, logger }: AppDependencies): Services {
  const vault = new IdNumberVault(config.idEncryptionKey, config.idHashKey);
  const households = new HouseholdsService(dataSource, vault, config.idSearchesPerHour);
  const referenceRates = new ReferenceRatesService(dataSource);
  const delinquency = new DelinquencyService(dataSource);
  const targets = createTargetServices(dataSource);
  const settlements = createSettlementServices(dataSource);
  const auth = new AuthService(dataSource, config, authUserCache({ dataSource, config, logger }));
  return {
    auth,
    audit: new AuditService(dataSource),
    users: new UsersService(dataSource, (id) => auth.forgetUser(id)),
    regions: new RegionsService(dataSource),
    institutions: new InstitutionsService(dataSource),
    referenceRates,
    households,
    enterprises: new EnterprisesService(dataSource),
    linkages: new LinkagesService(dataSource),
    benefits: new BenefitsService(dataSource),
    targets,
    models: new ModelsService(dataSource),
    funds: new FundsService(dataSource),
    imports: new ImportsService(dataSource, households),
    loanRegistration: new LoanRegistrationService(dataSource, config.idSearchesPerHour),
    loanServicing: new LoanServicingService(dataSource),
    loansQuery: new LoansQueryService(dataSource),
    guarantees: createGuaranteeServices(dataSource),
    claims: createClaimServices(dataSource),
    delinquency,
    settlements,
    jobs: createJobServices(dataSource, { delinquency, progress: targets.progress, settlements: settlements.workflow }, logger),
  };
}

/**
 * The users this instance authenticated, kept while it hears PostgreSQL's notifications of user
 * changes (auth-user-cache.ts), on a connection of its own to the service's database; none when
 * AUTH_CACHE_SECONDS is 0.
 */
function authUserCache({ dataSource, config, logger }: AppDependencies): AuthUserCache<AuthUserEntry> | undefined {
  if (config.authCacheSeconds === 0) return undefined;
  const options = dataSource.options as { url?: string; extra?: { application_name?: string } };
  return new AuthUserCache<AuthUserEntry>({
    connection: {
      connectionString: options.url,
      application_name: `${options.extra?.application_name ?? 'fupin-finance'}-listener`,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    },
    ttlMs: config.authCacheSeconds * 1000,
    onListenerLost: (error) =>
      logger.warn({ err: error }, 'lost the connection that hears of user changes; users are loaded per request until it is back'),
  });
}

export function createApiRegistry(services: Services): ApiRegistry {
  const api = new ApiRegistry();
  registerAuthRoutes(api, services.auth);
  registerUserRoutes(api, services.users);
  registerRegionRoutes(api, services.regions);
  registerInstitutionRoutes(api, services.institutions);
  registerReferenceRateRoutes(api, services.referenceRates);
  registerAuditRoutes(api, services.audit);
  registerHouseholdRoutes(api, services.households);
  registerEnterpriseRoutes(api, services.enterprises);
  registerLinkageRoutes(api, services.linkages);
  registerBenefitRoutes(api, services.benefits);
  registerTargetRoutes(api, services.targets);
  registerModelRoutes(api, services.models);
  registerFundRoutes(api, services.funds);
  registerImportRoutes(api, services.imports);
  registerGuaranteeRoutes(api, services.guarantees);
  registerClaimRoutes(api, services.claims);
  registerLoanRoutes(api, {
    registration: services.loanRegistration,
    servicing: services.loanServicing,
    query: services.loansQuery,
  });
  registerSettlementRoutes(api, services.settlements);
  registerJobRoutes(api, services.jobs.service);
  return api;
}

/** The Express application, without listen(): main.ts serves it, tests drive it with supertest. */
export function createApp(deps: AppDependencies): { app: Express; services: Services; api: ApiRegistry } {
  const services = createServices(deps);
  const api = createApiRegistry(services);
  const openApi = buildOpenApi(api.list(), { version: '0.1.0' });

  const app = express();
  app.disable('x-powered-by');
  // Every answer is per caller and most hold personal data: not for any cache (below), so no ETag
  // either (Express hashed every JSON body for one: about 1 % of a loan read's CPU).
  app.set('etag', false);
  // Behind a load balancer the caller's address comes from X-Forwarded-For (login rate limit), from
  // the proxies TRUST_PROXY names (by default any on a loopback, link-local or private address).
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use(accessLog(deps.logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.dataSource.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  // Swagger UI needs inline scripts and styles of its own; the API itself keeps helmet's strict defaults.
  app.use('/api/docs', helmet({ contentSecurityPolicy: false }), swaggerUi.serve, swaggerUi.setup(openApi, { customSiteTitle: 'Fupin Finance API' }));

  const router = express.Router();
  router.use(helmet());
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.json({ limit: BODY_LIMIT, strict: true, type: [...JSON_MEDIA_TYPES] }));
  // Media types are checked per endpoint (Endpoint.consumes): JSON everywhere, files where declared.
  api.mount(router, (req) => services.auth.authenticate(req.get('authorization')));
  app.use(API_PREFIX, router);

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return { app, services, api };
}
