import Joi from 'joi';
import type { Role } from '../users/user.entity';
import type { ApiRegistry } from '../../shared/http/api';
import { isoDate, regionCode, uuid } from '../../shared/http/schemas';
import type { ProgressService } from './progress.service';
import { MEASURES } from './targets.rules';
import type { TargetsService } from './targets.service';

/** A target is a whole number of enterprises or households; JSON numbers only, no "12". */
const MAX_TARGET = 10_000_000;
const MAX_LINES = 200;
const count = () => Joi.number().strict().integer().min(0).max(MAX_TARGET).required();
const countKeys = Object.fromEntries(MEASURES.map((m) => [m, count()]));
const countOut = Object.fromEntries(MEASURES.map((m) => [m, Joi.number().integer()]));

const targetsSchema = Joi.object({
  city: Joi.object({ regionCode: Joi.string(), name: Joi.string(), ...countOut }),
  counties: Joi.array().items(Joi.object({ regionCode: Joi.string(), name: Joi.string(), ...countOut })),
  banks: Joi.array().items(Joi.object({ bankId: Joi.string().guid(), name: Joi.string(), ...countOut })),
  updatedAt: Joi.string().allow(null),
  updatedBy: Joi.string().guid().allow(null),
}).label('Targets');

const measureProgress = Joi.object({
  target: Joi.number().integer().allow(null),
  actual: Joi.number().integer(),
  percent: Joi.string().allow(null).description('actual ÷ target × 100, one decimal, e.g. "62.5"; null when the target is 0'),
});

const progressSchema = Joi.object({
  date: Joi.string(),
  by: Joi.string().valid('region', 'bank'),
  countedIn: Joi.string().allow(null),
  lines: Joi.array().items(
    Joi.object({
      scope: Joi.string().valid('city', 'county', 'bank'),
      regionCode: Joi.string().allow(null),
      bankId: Joi.string().guid().allow(null),
      name: Joi.string(),
      ...Object.fromEntries(MEASURES.map((m) => [m, measureProgress])),
    }),
  ),
}).label('Progress');

const progressQuery = Joi.object({
  date: isoDate().description('as of this day; default today in Asia/Shanghai'),
  by: Joi.string().valid('region', 'bank').default('region'),
});

/** SPEC §3, §9: everyone but enterprise staff reads progress, within their scope. */
const PROGRESS_READERS: readonly Role[] = ['admin', 'poverty_office', 'finance_officer', 'loan_officer', 'auditor'];

export function registerTargetRoutes(api: ApiRegistry, services: { targets: TargetsService; progress: ProgressService }): void {
  const { targets, progress } = services;
  api.add({
    method: 'get',
    path: '/targets',
    tag: 'targets',
    summary: 'Get the 百千万 targets and their breakdown by county and by bank',
    access: 'any',
    response: targetsSchema,
    handle: (_input, context) => targets.get(context),
  });
  api.add({
    method: 'put',
    path: '/targets',
    tag: 'targets',
    summary: 'Replace the 百千万 task breakdown list',
    access: ['poverty_office', 'admin'],
    body: Joi.object({
      city: Joi.object(countKeys).required(),
      counties: Joi.array().items(Joi.object({ regionCode: regionCode().required(), ...countKeys })).max(MAX_LINES).required(),
      banks: Joi.array().items(Joi.object({ bankId: uuid().required(), ...countKeys })).max(MAX_LINES).required(),
    }),
    response: targetsSchema,
    handle: ({ body }, context) => targets.replace(context, body),
  });
  api.add({
    method: 'get',
    path: '/progress',
    tag: 'targets',
    summary: 'Get 百千万 progress as of a date, by region or by bank',
    access: PROGRESS_READERS,
    query: progressQuery,
    response: progressSchema,
    handle: ({ query }, context) => progress.progress(context, query),
  });
  api.add({
    method: 'get',
    path: '/progress/trend',
    tag: 'targets',
    summary: 'Get the monthly snapshots of 百千万 progress (the trend), oldest first',
    access: PROGRESS_READERS,
    query: Joi.object({
      by: Joi.string().valid('region', 'bank').default('region'),
      from: isoDate().description('snapshots taken on or after this day'),
      to: isoDate().description('snapshots taken on or before this day'),
    }),
    response: Joi.object({
      by: Joi.string().valid('region', 'bank'),
      points: Joi.array().items(Joi.object({ date: Joi.string(), takenAt: Joi.string(), lines: progressSchema.extract('lines') })),
    }).label('ProgressTrend'),
    handle: ({ query }, context) => progress.trend(context, query),
  });
  api.add({
    method: 'get',
    path: '/progress/report.pdf',
    tag: 'targets',
    summary: 'Download the 百千万 progress report as a PDF',
    access: PROGRESS_READERS,
    query: progressQuery,
    produces: 'application/pdf',
    handle: ({ query }, context, res) => progress.reportPdf(context, query, res),
  });
}
