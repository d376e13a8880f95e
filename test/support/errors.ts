import { expect } from 'chai';
import type { Response } from 'supertest';

/**
 * Asserts SPEC §9's error shape, `{ error: { code, message, details?, requestId } }`, with the given
 * status and code, and that the body's request id is the one echoed in the X-Request-Id header.
 * Returns the `error` object for further checks.
 */
export function expectError(
  res: Response,
  status: number,
  code: string,
): { code: string; message: string; details?: unknown; requestId: string } {
  const context = `${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, context).to.equal(status);
  expect(res.headers['content-type'], context).to.match(/^application\/json/);
  expect(res.body, context).to.have.property('error').that.is.an('object');
  const error = res.body.error;
  expect(Object.keys(error), context).to.have.members(['code', 'message', 'details', 'requestId']);
  expect(error.details, context).to.be.an('array');
  expect(error.code, context).to.equal(code);
  expect(error.message, context).to.be.a('string').that.is.not.empty;
  expect(error.requestId, context).to.be.a('string').that.is.not.empty;
  expect(error.requestId, context).to.equal(res.headers['x-request-id']);
  return error;
}

/** The `details` of a VALIDATION_FAILED or RULE_VIOLATION error, as a list. */
export function detailsOf(res: Response): Array<Record<string, unknown>> {
  const details = res.body?.error?.details;
  expect(details, JSON.stringify(res.body)).to.be.an('array');
  return details as Array<Record<string, unknown>>;
}
