import { expect } from 'chai';
import { todayInShanghai } from '../../src/shared/clock';

/** SPEC §8: business dates are calendar days in Asia/Shanghai, whatever the server's timezone. */
describe('todayInShanghai', () => {
  const zoneDatabase = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

  it('when the instant is just before or at 16:00 UTC, then the Shanghai date is that day or the next', () => {
    expect(todayInShanghai(new Date('2026-09-20T15:59:59.999Z'))).to.equal('2026-09-20');
    expect(todayInShanghai(new Date('2026-09-20T16:00:00.000Z'))).to.equal('2026-09-21');
    expect(todayInShanghai(new Date('2026-12-31T16:00:00.000Z'))).to.equal('2027-01-01');
  });

  it('when instants from 1986 to 2040 are asked, then every answer is the time-zone database’s (DST years included)', () => {
    const hour = 60 * 60 * 1000;
    // Every 7 hours and 13 minutes: the hour of day drifts over every value, across every year.
    for (let ms = Date.UTC(1986, 0, 1); ms < Date.UTC(2040, 0, 1); ms += 7 * hour + 13 * 60 * 1000) {
      const instant = new Date(ms);
      expect(todayInShanghai(instant), instant.toISOString()).to.equal(zoneDatabase.format(instant));
    }
  });
});
