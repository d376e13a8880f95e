import Joi from 'joi';
import type { ApiRegistry } from '../../shared/http/api';
import { idParams, isoDate, pageSchema, paginationKeys, regionCode } from '../../shared/http/schemas';
import { HOUSEHOLD_STATUSES } from './household.entity';
import type { HouseholdsService } from './households.service';

/** 18 characters; a lower-case x is accepted and stored upper-case. Content rules are the service's. */
export const residentIdNumber = () =>
  Joi.string()
    .trim()
    .uppercase()
    .length(18)
    .pattern(/^\d{17}[\dX]$/, 'resident ID number')
    // Joi's default pattern message quotes the value: an ID number must never appear in an error.
    .messages({ 'string.pattern.name': '{{#label}} must be 17 digits followed by a digit or X' })
    .meta({ example: '410225199001011234' });
export const householdNumber = () => Joi.string().trim().min(1).max(32).pattern(/^[A-Za-z0-9-]+$/, 'household number');
export const phoneNumber = () => Joi.string().trim().pattern(/^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/, 'phone number');
export const personName = () => Joi.string().trim().min(1).max(50);

export const householdSchema = Joi.object({
  id: Joi.string().guid(),
  householdNumber: Joi.string(),
  headName: Joi.string(),
  idNumber: Joi.string().description('in full for poverty_office and admin, masked for everyone else'),
  idNumberMasked: Joi.string(),
  birthDate: Joi.string().allow(null).description('for poverty_office and admin; null for everyone else (it would unmask the ID number)'),
  age: Joi.number().integer(),
  phone: Joi.string().allow(null),
  villageCode: Joi.string(),
  regionPath: Joi.string(),
  members: Joi.number().integer(),
  laborers: Joi.number().integer(),
  status: Joi.string().valid(...HOUSEHOLD_STATUSES),
  statusSince: Joi.string(),
  isDemonstration: Joi.boolean(),
  demonstrationSince: Joi.string().allow(null),
}).label('Household');

const WRITERS = ['poverty_office', 'admin'] as const;
const READERS = ['poverty_office', 'admin', 'finance_officer', 'auditor', 'loan_officer', 'enterprise'] as const;

export const newHouseholdKeys = {
  householdNumber: householdNumber().required(),
  headName: personName().required(),
  idNumber: residentIdNumber().required(),
  phone: phoneNumber(),
  villageCode: regionCode().required(),
  members: Joi.number().integer().min(1).max(50).required(),
  laborers: Joi.number().integer().min(0).max(50).required(),
  status: Joi.string().valid(...HOUSEHOLD_STATUSES),
  statusSince: isoDate(),
  isDemonstration: Joi.boolean(),
  demonstrationSince: isoDate(),
};

export function registerHouseholdRoutes(api: ApiRegistry, households: HouseholdsService): void {
  api.add({
    method: 'get',
    path: '/households',
    tag: 'register',
    summary: 'List households',
    description:
      'Within the caller\'s scope: county staff their county; an enterprise the households linked to it; a loan officer the households that borrow or borrowed from their bank. ' +
      'ID numbers and phones are masked for every role but poverty_office and admin.',
    access: READERS,
    query: Joi.object({
      ...paginationKeys,
      under: regionCode().description('only households in this county, township or village'),
      villageCode: regionCode(),
      status: Joi.string().valid(...HOUSEHOLD_STATUSES),
      isDemonstration: Joi.boolean(),
      householdNumber: householdNumber(),
      headName: personName(),
      idNumber: residentIdNumber().description('exact match by the keyed hash; a search by ID number, recorded and limited as POST /households/lookup is'),
    }),
    response: pageSchema(householdSchema),
    handle: ({ query }, context) => households.list(context, query as never),
  });
  api.add({
    method: 'post',
    path: '/households/lookup',
    tag: 'register',
    summary: 'Find a household by ID number',
    description:
      'Answers with the masked record, or 404. A loan officer finds a household anywhere in the city (a bank checks a borrower before lending); ' +
      'county staff find only households of their own county: one registered elsewhere is 404 for them. ' +
      'Each search is recorded; a user may search by ID number ID_SEARCHES_PER_HOUR times an hour (default 60), then 429.',
    access: ['loan_officer', 'poverty_office', 'finance_officer', 'admin'],
    body: Joi.object({ idNumber: residentIdNumber().required() }),
    response: householdSchema,
    handle: ({ body }, context) => households.lookup(context, body.idNumber),
  });
  api.add({
    method: 'get',
    path: '/households/:id',
    tag: 'register',
    summary: 'Get a household',
    access: READERS,
    params: idParams,
    response: householdSchema,
    handle: ({ params }, context) => households.get(context, params.id),
  });
  api.add({
    method: 'get',
    path: '/households/:id/history',
    tag: 'register',
    summary: 'Get a household status and demonstration history',
    access: READERS,
    params: idParams,
    handle: ({ params }, context) => households.history(context, params.id),
  });
  api.add({
    method: 'post',
    path: '/households',
    tag: 'register',
    summary: 'Register a household',
    access: WRITERS,
    body: Joi.object(newHouseholdKeys),
    status: 201,
    response: householdSchema,
    handle: ({ body }, context) => households.create(context, body),
  });
  api.add({
    method: 'patch',
    path: '/households/:id',
    tag: 'register',
    summary: 'Update a household',
    access: WRITERS,
    params: idParams,
    body: Joi.object({
      householdNumber: householdNumber(),
      headName: personName(),
      idNumber: residentIdNumber(),
      phone: phoneNumber(),
      villageCode: regionCode(),
      members: Joi.number().integer().min(1).max(50),
      laborers: Joi.number().integer().min(0).max(50),
    }).min(1),
    response: householdSchema,
    handle: ({ params, body }, context) => households.update(context, params.id, body),
  });
  api.add({
    method: 'delete',
    path: '/households/:id',
    tag: 'register',
    summary: 'Delete a household that nothing refers to',
    access: WRITERS,
    params: idParams,
    status: 204,
    handle: ({ params }, context) => households.remove(context, params.id),
  });
  api.add({
    method: 'post',
    path: '/households/:id/status',
    tag: 'register',
    summary: 'Change a household status',
    access: WRITERS,
    params: idParams,
    body: Joi.object({
      status: Joi.string().valid(...HOUSEHOLD_STATUSES).required(),
      effectiveDate: isoDate().required(),
      reason: Joi.string().trim().max(200),
    }),
    response: householdSchema,
    handle: ({ params, body }, context) => households.changeStatus(context, params.id, body),
  });
  api.add({
    method: 'post',
    path: '/households/:id/demonstration',
    tag: 'register',
    summary: 'Designate or end a demonstration household',
    access: WRITERS,
    params: idParams,
    body: Joi.object({
      isDemonstration: Joi.boolean().required(),
      effectiveDate: isoDate().required(),
      reason: Joi.string().trim().max(200),
    }),
    response: householdSchema,
    handle: ({ params, body }, context) => households.setDemonstration(context, params.id, body),
  });
}
