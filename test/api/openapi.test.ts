import { expect } from 'chai';
import { buildOpenApi } from '../../src/shared/http/openapi';
import { startTestApp, type TestApp } from '../support/app';

type Json = Record<string, any>;

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * The OpenAPI document (SPEC §9; STYLE "a new endpoint appears in the OpenAPI document"): checked
 * against the routes Express actually serves, so the two cannot drift.
 */
describe('OpenAPI document and docs page (SPEC §9)', () => {
  let t: TestApp;
  let doc: Json;
  /** "METHOD /api/v1/path/{param}" for every route mounted under /api/v1. */
  let served: string[];

  before(async () => {
    t = await startTestApp();
    const res = await t.request().get('/api/openapi.json');
    expect(res.status).to.equal(200);
    doc = res.body;
    served = mountedRoutes();
  });
  after(async () => {
    await t?.close();
  });

  /** Walks Express 5's router: the layer mounted at /api/v1 and the routes inside it. */
  function mountedRoutes(): string[] {
    interface Layer {
      rawPath?: unknown;
      route?: { path: string; methods: Record<string, boolean> };
      handle: { stack?: Layer[] };
    }
    const appStack = (t.app as unknown as { router: { stack: Layer[] } }).router.stack;
    const apiLayer = appStack.find((layer) => layer.rawPath === '/api/v1');
    expect(apiLayer, 'a router mounted at /api/v1').to.exist;
    const routes: string[] = [];
    for (const layer of apiLayer!.handle.stack ?? []) {
      if (!layer.route) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') routes.push(`${method.toUpperCase()} /api/v1${layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
    return routes;
  }
  function documented(): string[] {
    const operations: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const method of Object.keys(item)) {
        if ((HTTP_METHODS as readonly string[]).includes(method)) operations.push(`${method.toUpperCase()} ${path}`);
      }
    }
    return operations;
  }
  function operations(): Array<{ key: string; path: string; method: string; op: Json }> {
    return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
        .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op: op as Json })),
    );
  }
  function operation(key: string): Json {
    const found = operations().find((o) => o.key === key);
    expect(found, key).to.exist;
    return found!.op;
  }

  it('when the document is fetched, then it is OpenAPI 3.0.x with info, paths and a bearer security scheme', () => {
    expect(doc.openapi).to.match(/^3\.0\.\d+$/);
    expect(doc.info).to.include.keys('title', 'version');
    expect(doc.info.title).to.be.a('string').that.is.not.empty;
    expect(doc.paths).to.be.an('object');
    expect(Object.keys(doc.paths).length).to.be.greaterThan(10);
    expect(doc.components.securitySchemes.bearerAuth).to.deep.include({ type: 'http', scheme: 'bearer' });
    expect(doc.security).to.deep.equal([{ bearerAuth: [] }]);
    expect(doc.components.schemas.Error.properties.error.required).to.have.members(['code', 'message', 'details', 'requestId']);
  });

  it('when the router is walked, then every route it serves under /api/v1 is in the document with its method and {param} path', () => {
    expect(served.length).to.be.greaterThan(20);
    const missing = served.filter((route) => !documented().includes(route));
    expect(missing, 'served but not documented').to.deep.equal([]);
  });

  it('when the document is read, then every operation in it is served by the router', () => {
    const phantom = documented().filter((route) => !served.includes(route));
    expect(phantom, 'documented but not served').to.deep.equal([]);
    expect(new Set(served).size).to.equal(served.length);
  });

  it('when the foundation endpoints are looked up, then each is documented', () => {
    const foundation = [
      'POST /api/v1/auth/login',
      'GET /api/v1/me',
      'GET /api/v1/users',
      'POST /api/v1/users',
      'GET /api/v1/users/{id}',
      'PATCH /api/v1/users/{id}',
      'GET /api/v1/regions',
      'POST /api/v1/regions',
      'GET /api/v1/regions/{code}',
      'GET /api/v1/institutions',
      'POST /api/v1/institutions',
      'GET /api/v1/institutions/{id}',
      'PATCH /api/v1/institutions/{id}',
      'GET /api/v1/reference-rates',
      'POST /api/v1/reference-rates',
      'GET /api/v1/audit',
      'GET /api/v1/audit/{id}',
    ];
    expect(documented()).to.include.members(foundation);
  });

  it('when each operation is read, then it has responses including a 2xx and a 400, and a unique operationId', () => {
    const ids = new Set<string>();
    for (const { key, op } of operations()) {
      expect(op.responses, key).to.be.an('object');
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => /^2\d\d$/.test(s)), `${key} has a success response`).to.equal(true);
      expect(statuses, key).to.include('400');
      for (const status of statuses) expect(op.responses[status].description, `${key} ${status}`).to.be.a('string').that.is.not.empty;
      expect(op.operationId, key).to.be.a('string').that.is.not.empty;
      expect(ids.has(op.operationId), `operationId ${op.operationId} is unique`).to.equal(false);
      ids.add(op.operationId);
      expect(op.summary, key).to.be.a('string').that.is.not.empty;
      expect(op.tags, key).to.be.an('array').with.length.greaterThan(0);
    }
  });

  it('when an operation needs a token, then it documents 401 and 403; the login is public (security: [])', () => {
    for (const { key, op } of operations()) {
      if (key === 'POST /api/v1/auth/login') continue;
      expect(op.security, key).to.equal(undefined);
      expect(Object.keys(op.responses), key).to.include.members(['401', '403']);
    }
    expect(operation('POST /api/v1/auth/login').security).to.deep.equal([]);
  });

  it('when an endpoint declares a description, then the operation describes it before its roles; without one, the roles alone', () => {
    const handle = async () => ({});
    const built = buildOpenApi(
      [
        { method: 'get', path: '/things', tag: 't', summary: 'List things', description: 'County staff see their county only.', access: ['auditor'], handle },
        { method: 'get', path: '/others', tag: 't', summary: 'List others', access: ['auditor', 'admin'], handle },
        { method: 'get', path: '/open', tag: 't', summary: 'Anyone', access: 'any', handle },
      ],
      { version: 'test' },
    ) as Json;
    expect(built.paths['/api/v1/things'].get.description).to.equal('County staff see their county only.\n\nRoles: auditor.');
    expect(built.paths['/api/v1/others'].get.description).to.equal('Roles: auditor, admin.');
    expect(built.paths['/api/v1/open'].get.description).to.equal(undefined);
  });

  it('when a path has {params}, then each is a required path parameter, and no path parameter is invented', () => {
    for (const { key, path, op } of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: Json) => p.in === 'path');
      expect(declared.map((p: Json) => p.name), key).to.have.members(inPath);
      for (const parameter of declared) expect(parameter.required, `${key} ${parameter.name}`).to.equal(true);
      for (const parameter of op.parameters ?? []) {
        expect(['path', 'query', 'header'], key).to.include(parameter.in);
        expect(parameter.schema, `${key} ${parameter.name}`).to.be.an('object');
      }
    }
  });

  it('when an operation takes a JSON body, then its schema is a closed object whose required fields are its properties', () => {
    let bodies = 0;
    for (const { key, op } of operations()) {
      const json = op.requestBody?.content?.['application/json'];
      if (!json) continue;
      bodies += 1;
      expect(op.requestBody.required, key).to.equal(true);
      const schema = json.schema;
      expect(schema.type, key).to.equal('object');
      expect(schema.properties, key).to.be.an('object');
      expect(schema.additionalProperties, `${key} refuses unknown fields`).to.equal(false);
      for (const field of schema.required ?? []) expect(schema.properties, `${key} required ${field}`).to.have.property(field);
    }
    expect(bodies).to.be.greaterThan(5);
  });

  it('when the foundation request bodies are read, then their required fields are the ones the service demands', () => {
    const required = (key: string) => operation(key).requestBody.content['application/json'].schema.required;
    expect(required('POST /api/v1/auth/login')).to.have.members(['username', 'password']);
    expect(required('POST /api/v1/users')).to.have.members(['username', 'displayName', 'password', 'role', 'regionCode']);
    expect(required('POST /api/v1/regions')).to.have.members(['code', 'name', 'level']);
    expect(required('POST /api/v1/institutions')).to.have.members(['type', 'name', 'uscc', 'regionCode']);
    expect(required('POST /api/v1/reference-rates')).to.have.members(['effectiveDate', 'tenor', 'rateAnnual']);
  });

  it('when money, rates and dates appear in a body, then they are documented as strings with a format', () => {
    const institution = operation('POST /api/v1/institutions').requestBody.content['application/json'].schema.properties;
    expect(institution.netAssets).to.include({ type: 'string', format: 'decimal' });
    const rate = operation('POST /api/v1/reference-rates').requestBody.content['application/json'].schema.properties;
    expect(rate.rateAnnual).to.include({ type: 'string', format: 'decimal' });
    expect(rate.effectiveDate).to.include({ type: 'string', format: 'date' });
    const limit = operation('GET /api/v1/users').parameters.find((p: Json) => p.name === 'limit');
    expect(limit).to.deep.include({ in: 'query', required: false });
    expect(limit.schema).to.include({ type: 'integer', maximum: 200, minimum: 1 });
  });

  it('when the document has $refs, then every one resolves', () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    expect(refs.length).to.be.greaterThan(0);
    for (const ref of new Set(refs)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(doc.components.schemas, ref).to.have.property(name);
    }
  });

  it('when /api/docs/ is opened, then the browsable page is HTML 200', async () => {
    const res = await t.request().get('/api/docs/');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/html/);
    expect(res.text).to.match(/swagger/i);
    expect(res.text).to.include('Fupin Finance API');
  });
});
