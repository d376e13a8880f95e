import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/shared/logging/logger';

/** SPEC §9: secrets and personal data never reach the logs. */
describe('logger redaction', () => {
  function capture() {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    return { logger: createLogger('info', sink), lines };
  }

  it('when a failed query is logged as an unhandled error, then its bound values are redacted', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('insert failed'), {
      query: 'INSERT INTO users (password_hash) VALUES ($1)',
      parameters: ['scrypt$32768$8$1$c2FsdA==$aGFzaA=='],
      driverError: { code: 'XX000', parameters: ['scrypt$32768$8$1$c2FsdA==$aGFzaA=='] },
    });
    logger.error({ err: error, requestId: 'r1' }, 'unhandled error');
    expect(lines).to.have.length(1);
    expect(lines[0]).not.to.include('scrypt$');
    expect(JSON.parse(lines[0]!).err.parameters).to.equal('[redacted]');
  });

  it('when a password, token or authorization header is logged, then it is redacted', () => {
    const { logger, lines } = capture();
    logger.info({ password: 'Fupin@2026demo', body: { token: 'eyJ.secret.sig', passwordHash: 'h' }, req: { headers: { authorization: 'Bearer eyJ.x.y' } } }, 'x');
    expect(lines[0]).not.to.match(/Fupin@2026demo|eyJ|"h"/);
  });
});
