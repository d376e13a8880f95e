import { expect } from 'chai';
import { CpuProbe, describeCpu, type CpuSample } from '../../bench/lib/cpu';

describe('bench: CPU per request (bench/lib/cpu.ts)', () => {
  const sample = (serverMs: number, backends: Array<[number, number]>): CpuSample => ({ serverMs, backendMs: new Map(backends) });

  it('when two samples are taken around a run, then the server and backend CPU is divided by the requests', () => {
    const cpu = CpuProbe.perRequest(sample(1000, [[11, 500], [12, 700]]), sample(3000, [[11, 1500], [12, 1700]]), 1000);
    expect(cpu).to.deep.equal({ serverMs: 2, postgresMs: 2 });
  });

  it('when the pool opened a backend during the run, then all of its CPU counts', () => {
    const cpu = CpuProbe.perRequest(sample(0, [[11, 100]]), sample(500, [[11, 300], [13, 250]]), 100);
    expect(cpu).to.deep.equal({ serverMs: 5, postgresMs: 4.5 });
  });

  it('when a sample is missing, no backend was seen or nothing was answered, then nothing is reported', () => {
    expect(CpuProbe.perRequest(null, sample(1, [[1, 1]]), 10)).to.equal(null);
    expect(CpuProbe.perRequest(sample(0, []), sample(10, []), 10)).to.equal(null);
    expect(CpuProbe.perRequest(sample(0, [[1, 0]]), sample(10, [[1, 5]]), 0)).to.equal(null);
    expect(describeCpu('service', null)).to.contain('not measured');
  });
});
