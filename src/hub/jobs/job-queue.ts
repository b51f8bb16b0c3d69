// The job queue: one benchmark at a time under the GPU lease, progress and logs, results, verification, crash recovery.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstalledPack, JobInfo, JobProgress, JobRunInput, JobRunner } from '../../shared/challenge';
import { fileStamp } from '../../shared/ids';
import { checkRunConfig } from '../../shared/run-config-check';
import type { Hub } from '../hub';
import { HubError } from '../hub-error';
import type { Caller } from '../identity';
import type { JobRow } from '../store/job-store';
import { HUB_HANDLE, publishJobResult } from './job-results';
import { resolveModelPaths } from './job-submission';
import { claimsNewBest, deliverVerdict, judge, queueVerification, unrunnableReason } from './verification';

/** Progress is saved at most this often: it is for people watching, and each save is an fsync. */
const PROGRESS_SAVE_MS = 1000;

interface Running {
  job: JobRow;
  controller: AbortController;
  cancelledBy: string | null;
  done: Promise<void>;
}

export class JobQueue {
  private running: Running | null = null;
  private readonly progress = new Map<string, JobProgress>();
  private kickScheduled = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  /** Claims being looked at: a verification they queue is work `idle()` must wait for too. */
  private readonly claims = new Set<Promise<void>>();

  constructor(
    private readonly hub: Hub,
    private readonly runner: JobRunner,
  ) {}

  /** Settles what a previous hub process left behind, then starts taking jobs. */
  async start(): Promise<void> {
    for (const job of this.hub.jobs.running()) {
      await this.hub.write(() => {
        this.hub.jobs.finish(job.id, 'failed', this.hub.now(), 'the hub stopped while this job ran (crash, kill or power loss); it was not measured to the end. Submit it again: it did not count against your quota.', null);
        this.hub.jobs.refund(job.id);
        return { result: null, effect: { actor: HUB_HANDLE, action: 'job.failed', target: job.id, detail: { reason: 'hub-restart' } } };
      });
      this.log(job.id, 'the hub stopped while this job ran; marked failed at restart and the GPU lease released');
    }
    this.unsubscribe = this.hub.events.onEvent((event) => {
      if (event.type !== 'result.created') return;
      const considering = this.considerClaim(String((event.data as { target?: unknown }).target)).finally(() => this.claims.delete(considering));
      this.claims.add(considering);
    });
    this.kick();
  }

  kick(): void {
    if (this.kickScheduled || this.running || this.closed) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      void this.runNext();
    });
  }

  /** Waits until nothing is queued or running (tests and `demo` use it). */
  async idle(): Promise<void> {
    while (this.running || this.kickScheduled || this.claims.size > 0 || this.hub.jobs.next()) {
      if (this.claims.size > 0) await Promise.all(this.claims);
      else if (this.running) await this.running.done;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  info(row: JobRow): JobInfo {
    return {
      id: row.id,
      agent: row.agent,
      kind: row.kind,
      state: row.state,
      pack: row.pack,
      config: JSON.parse(row.config) as Record<string, unknown>,
      method: row.method,
      description: row.description,
      created_at: new Date(row.created_at).toISOString(),
      started_at: row.started_at === null ? null : new Date(row.started_at).toISOString(),
      finished_at: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
      queue_position: this.hub.jobs.queuePosition(row),
      progress: this.progress.get(row.id) ?? (row.progress ? (JSON.parse(row.progress) as JobProgress) : null),
      error: row.error,
      result: row.result,
      verifies: row.verifies,
      log: `/v1/central/jobs/${row.id}/log.txt`,
    };
  }

  /** Cancels a queued job at once (its quota charge is refunded) or stops a running one. */
  async cancel(caller: Caller, id: string): Promise<JobRow> {
    const job = this.hub.jobs.get(id);
    if (!job) throw new HubError('NOT_FOUND', `no job ${id}`, 'GET /v1/jobs lists jobs');
    if (caller.kind !== 'organizer' && caller.handle !== job.agent) throw new HubError('IDENTITY_MISMATCH', `job ${id} belongs to ${job.agent}`, 'only its author or the organizer can cancel it');
    // The job the queue has taken (claimed, or running) is stopped, whatever its row says yet.
    if (this.running?.job.id === id) return this.stopRunning(caller, id);
    if (job.state !== 'queued') throw new HubError('JOB_FINISHED', `job ${id} already ${job.state}`, 'a finished job cannot be cancelled');
    try {
      await this.hub.write(() => {
        const now = this.hub.jobs.get(id)!;
        if (now.state !== 'queued') throw new HubError('JOB_FINISHED', `job ${id} is ${now.state}`, 'GET /v1/jobs/<id> shows it');
        this.hub.jobs.finish(id, 'cancelled', this.hub.now(), `cancelled by ${caller.handle} before it started`, null);
        this.hub.jobs.refund(id);
        return { result: null, effect: { actor: caller.handle, action: 'job.cancelled', target: id } };
      });
    } catch (err) {
      // The queue took it between our read and our write: stop it as the running job it now is.
      if (err instanceof HubError && err.code === 'JOB_FINISHED' && this.running?.job.id === id) return this.stopRunning(caller, id);
      throw err;
    }
    this.log(id, `cancelled by ${caller.handle} before it started`);
    return this.hub.jobs.get(id)!;
  }

  private async stopRunning(caller: Caller, id: string): Promise<JobRow> {
    const running = this.running!;
    running.cancelledBy = caller.handle;
    running.controller.abort();
    await running.done;
    return this.hub.jobs.get(id)!;
  }

  /** Stops the running job (it is recorded as failed: the hub is going away) and takes no more. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    if (this.running) {
      this.running.controller.abort();
      await this.running.done.catch(() => undefined);
    }
  }

  /** Claims of a new best go to the verifier; a claim is re-run once, on prompts its author never saw. */
  async considerClaim(filename: string): Promise<void> {
    if (!this.hub.config.jobs.verify || this.closed) return;
    let pack: InstalledPack | null;
    try {
      pack = this.hub.challenge.get();
    } catch {
      return;
    }
    const row = this.hub.results.get(filename);
    if (!pack || !row || !claimsNewBest(this.hub, row, pack)) return;
    if (await queueVerification(this.hub, pack, filename, HUB_HANDLE)) this.kick();
  }

  /** The organizer's explicit request to verify a result, claim or not. */
  async verify(filename: string, requestedBy: string): Promise<string | null> {
    const pack = this.hub.challenge.require();
    const id = await queueVerification(this.hub, pack, filename, requestedBy);
    this.kick();
    return id;
  }

  private async ensureBaseline(pack: InstalledPack): Promise<void> {
    if (this.hub.jobs.hasBaselineSince(pack.id, Date.parse(pack.installed_at) || 0)) return;
    await this.hub.write(() => {
      const ts = this.hub.stampTime();
      const id = `job-${fileStamp(ts)}`;
      const config = { ...pack.defaults, target: pack.baseline.target, spec_type: 'none' };
      this.hub.jobs.insert({ id, agent: HUB_HANDLE, kind: 'baseline', pack: pack.id, config: JSON.stringify(config), method: 'baseline', description: '', created_at: ts, verifies: null });
      return { result: id, effect: { actor: HUB_HANDLE, action: 'job.queued', target: id, detail: { kind: 'baseline' } } };
    });
  }

  private async runNext(): Promise<void> {
    if (this.running || this.closed) return;
    let pack: InstalledPack | null = null;
    try {
      pack = this.hub.challenge.get();
      if (pack) await this.ensureBaseline(pack);
    } catch {
      pack = null;
    }
    const job = this.hub.jobs.next();
    if (!job) return;
    const controller = new AbortController();
    let finish!: () => void;
    const running: Running = { job, controller, cancelledBy: null, done: new Promise<void>((r) => (finish = r)) };
    this.running = running;
    try {
      await this.execute(running, pack);
    } finally {
      this.hub.lease.release(job.id);
      this.progress.delete(job.id);
      this.running = null;
      finish();
      this.kick();
    }
  }

  private async execute(running: Running, pack: InstalledPack | null): Promise<void> {
    const { job, controller } = running;
    try {
      await this.hub.write(() => {
        // Only a job still queued starts: one cancelled after it was picked must not run after all.
        if (!this.hub.jobs.start(job.id, this.hub.now())) throw new HubError('JOB_FINISHED', `job ${job.id} was cancelled before it started`);
        return { result: null, effect: { actor: job.agent, action: 'job.started', target: job.id, detail: { kind: job.kind } } };
      });
    } catch (err) {
      if (err instanceof HubError && err.code === 'JOB_FINISHED') return;
      throw err;
    }
    this.hub.lease.acquire(job.id, this.hub.now());
    this.log(job.id, `started (${job.kind}); the GPU lease is held`);
    const claim = job.verifies ? this.hub.results.get(job.verifies) : undefined;
    try {
      if (!pack || pack.id !== job.pack) throw new Error(`the ${job.pack} pack is no longer installed on this hub`);
      if (job.kind === 'verify') {
        const reason = unrunnableReason(this.hub, pack, claim!.agent, job);
        if (reason) {
          this.log(job.id, `cannot re-run: ${reason}`);
          await deliverVerdict(this.hub, claim!, job, { verdict: 'invalid', note: reason });
          return;
        }
      }
      const input = await this.inputOf(job, pack, claim?.agent ?? job.agent);
      let lastSave = 0;
      const out = await this.runner.run(input, {
        signal: controller.signal,
        timeoutMs: pack.gate.job_timeout_s * 1000,
        onLog: (line) => this.log(job.id, line),
        onProgress: (p) => {
          this.progress.set(job.id, p);
          this.hub.events.publish({ id: null, type: 'job.progress', data: { target: job.id, progress: p } });
          if (Date.now() - lastSave >= PROGRESS_SAVE_MS) {
            lastSave = Date.now();
            this.hub.jobs.setProgress(job.id, JSON.stringify(p));
          }
        },
      });
      this.writeOutput(job.id, out);
      if (job.kind === 'verify') {
        const verdict = judge(this.hub, pack, claim!, out);
        this.log(job.id, `verdict: ${verdict.verdict} (${verdict.note})`);
        await deliverVerdict(this.hub, claim!, job, verdict);
      } else {
        const filename = await publishJobResult(this.hub, job, pack, out);
        this.log(job.id, `published results/${filename}`);
        await this.hub.note({ actor: job.agent, action: 'job.succeeded', target: job.id, detail: { result: filename } });
      }
    } catch (err) {
      const message = (err as Error).message;
      const cancelled = controller.signal.aborted;
      const state = cancelled && running.cancelledBy ? 'cancelled' : 'failed';
      const error = cancelled ? (running.cancelledBy ? `cancelled by ${running.cancelledBy} while running` : 'the hub shut down while this job ran') : message;
      this.log(job.id, `${state}: ${error}`);
      if (job.kind === 'verify' && claim && !cancelled) {
        // A claim whose re-run fails cannot be confirmed; a cancelled verification leaves the claim pending.
        await deliverVerdict(this.hub, claim, job, { verdict: 'invalid', note: `the re-run on the private prompts failed: ${message}` }, error).catch(() => undefined);
        return;
      }
      await this.hub
        .write(() => {
          this.hub.jobs.finish(job.id, state, this.hub.now(), error, null);
          if (cancelled && !running.cancelledBy) this.hub.jobs.refund(job.id);
          return { result: null, effect: { actor: job.agent, action: `job.${state}`, target: job.id, detail: { error } } };
        })
        .catch(() => undefined);
    }
  }

  private async inputOf(job: JobRow, pack: InstalledPack, modelOwner: string): Promise<JobRunInput> {
    const checked = checkRunConfig({ ...pack.defaults, ...(JSON.parse(job.config) as Record<string, unknown>) });
    if (checked.error !== null) throw new Error(`config: ${checked.error}`);
    const config = await resolveModelPaths(this.hub, pack, modelOwner, checked.config);
    const verify = job.kind === 'verify';
    const prompts = pack.prompts.filter((p) => !verify || p.split === 'private');
    return {
      config,
      measure: { tokens: pack.gate.tokens, repeats: pack.gate.repeats, warmup: pack.gate.warmup },
      prompts: (prompts.length ? prompts : pack.prompts).map((p) => ({ id: p.id, split: p.split, text: p.text })),
      references: pack.references,
      probe: verify ? [] : pack.probe,
      probe_tokens: pack.gate.probe_tokens,
    };
  }

  private jobFolder(id: string): string {
    const dir = join(this.hub.layout.central, 'jobs', id);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The job's log in central/jobs/<id>/log.txt: agents read it through the workspace API. */
  private log(id: string, line: string): void {
    try {
      appendFileSync(join(this.jobFolder(id), 'log.txt'), `${new Date(this.hub.now()).toISOString()} ${line}\n`);
    } catch {
      // a log line is never worth failing a job
    }
  }

  private writeOutput(id: string, out: unknown): void {
    writeFileSync(join(this.jobFolder(id), 'output.json'), JSON.stringify(out, null, 2) + '\n');
  }
}
