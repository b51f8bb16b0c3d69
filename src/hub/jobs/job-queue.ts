// The job queue: one benchmark at a time under the GPU lease, progress and logs, results, verification, crash recovery.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  InstalledPack,
  JobInfo,
  JobRunInput,
  JobRunner,
  JobRunOutput,
  MachineState,
} from '../../shared/challenge';
import { fileStamp } from '../../shared/ids';
import { checkRunConfig } from '../../shared/run-config-check';
import type { HubContext } from '../hub-context';
import { HubError } from '../hub-error';
import type { Caller } from '../identity';
import type { JobRow } from '../store/job-store';
import type { LeaseDrain } from './gpu-lease';
import { jobInfo, type LiveProgress } from './job-info';
import { HUB_HANDLE, publishJobResult } from './job-results';
import { resolveModelPaths } from './job-submission';
import { judgeMeasurement, type MeasurementVerdict } from './measurement-quality';
import {
  claimsNewBest,
  deliverVerdict,
  judge,
  measuredByHub,
  queueVerification,
  unrunnableReason,
} from './verification';

/** Progress is saved at most this often: it is for people watching, and each save is an fsync. */
const PROGRESS_SAVE_MS = 1000;

interface Running {
  job: JobRow;
  controller: AbortController;
  cancelledBy: string | null;
  /** Stopped because its author was suspended: refunded, never published. */
  suspended?: boolean;
  done: Promise<void>;
}

export class JobQueue {
  private running: Running | null = null;
  private kickScheduled = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  /** Claims being looked at: a verification they queue is work `idle()` must wait for too. */
  private readonly claims = new Set<Promise<void>>();

  /** `progress` is shared with the record, whose job events show a running job's newest progress. */
  constructor(
    private readonly ctx: HubContext,
    private readonly runner: JobRunner,
    private readonly progress: LiveProgress,
  ) {}

  /** Settles what a previous hub process left behind, then starts taking jobs. */
  async start(): Promise<void> {
    for (const job of this.ctx.jobs.running()) {
      await this.ctx.write(() => {
        this.ctx.jobs.finish(
          job.id,
          'failed',
          this.ctx.now(),
          'the hub stopped while this job ran (crash, kill or power loss); it was not measured to the end. Submit it again: it did not count against your quota.',
          null,
        );
        this.ctx.jobs.refund(job.id);
        return {
          result: null,
          effect: { actor: HUB_HANDLE, action: 'job.failed', target: job.id, detail: { reason: 'hub-restart' } },
        };
      });
      this.log(job.id, 'the hub stopped while this job ran; marked failed at restart and the GPU lease released');
    }
    this.unsubscribe = this.ctx.events.onEvent((event) => {
      const target = String((event.data as { target?: unknown }).target);
      let work: Promise<void>;
      if (event.type === 'result.created') work = this.considerClaim(target);
      else if (event.type === 'agent.suspended') work = this.cancelJobsOf(target);
      else return;
      const tracked = work.catch(() => undefined).finally(() => this.claims.delete(tracked));
      this.claims.add(tracked);
    });
    // A baseline that failed or was cut short (crash, OOM, timeout) is measured again at each start.
    try {
      const pack = this.ctx.challenge.get();
      if (pack) await this.ensureBaseline(pack, true);
    } catch {
      // a broken pack is reported when a job needs it
    }
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

  /** Counts `work` (a follower's writes about a job) as the queue's own until it settles, so `idle()` waits for it. */
  track(work: Promise<unknown>): void {
    const tracked: Promise<void> = work
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => this.claims.delete(tracked));
    this.claims.add(tracked);
  }

  /** Waits until nothing is queued or running (tests and `demo` use it). */
  async idle(): Promise<void> {
    while (this.running || this.kickScheduled || this.claims.size > 0 || this.ctx.jobs.next()) {
      if (this.claims.size > 0) await Promise.all(this.claims);
      else if (this.running) await this.running.done;
      else await new Promise((r) => setTimeout(r, 20));
    }
  }

  info(row: JobRow, order?: JobRow[]): JobInfo {
    return jobInfo(this.ctx.jobs, this.progress, row, order);
  }

  /** Cancels a queued job at once (its quota charge is refunded) or stops a running one. */
  async cancel(caller: Caller, id: string): Promise<JobRow> {
    const job = this.ctx.jobs.get(id);
    if (!job) throw new HubError('NOT_FOUND', `no job ${id}`, 'GET /v1/jobs lists jobs');
    if (caller.kind !== 'organizer' && caller.handle !== job.agent)
      throw new HubError(
        'IDENTITY_MISMATCH',
        `job ${id} belongs to ${job.agent}`,
        'only its author or the organizer can cancel it',
      );
    // The job the queue has taken (claimed, or running) is stopped, whatever its row says yet.
    if (this.running?.job.id === id) return this.stopRunning(caller, id);
    if (job.state !== 'queued')
      throw new HubError('JOB_FINISHED', `job ${id} already ${job.state}`, 'a finished job cannot be cancelled');
    try {
      await this.ctx.write(() => {
        const now = this.ctx.jobs.get(id)!;
        if (now.state !== 'queued')
          throw new HubError('JOB_FINISHED', `job ${id} is ${now.state}`, 'GET /v1/jobs/<id> shows it');
        this.ctx.jobs.finish(id, 'cancelled', this.ctx.now(), `cancelled by ${caller.handle} before it started`, null);
        this.ctx.jobs.refund(id);
        return { result: null, effect: { actor: caller.handle, action: 'job.cancelled', target: id } };
      });
    } catch (err) {
      // The queue took it between our read and our write: stop it as the running job it now is.
      if (err instanceof HubError && err.code === 'JOB_FINISHED' && this.running?.job.id === id)
        return this.stopRunning(caller, id);
      throw err;
    }
    this.log(id, `cancelled by ${caller.handle} before it started`);
    return this.ctx.jobs.get(id)!;
  }

  private async stopRunning(caller: Caller, id: string): Promise<JobRow> {
    const running = this.running!;
    running.cancelledBy = caller.handle;
    running.controller.abort();
    await running.done;
    return this.ctx.jobs.get(id)!;
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

  /**
   * Claims of a new best go to the verifier; a claim is re-run once, charged to its author. A result published by
   * hand is unverified: its author is told so on the board, with whether (and why not) it is re-run.
   */
  async considerClaim(filename: string): Promise<void> {
    if (this.closed) return;
    let pack: InstalledPack | null;
    try {
      pack = this.ctx.challenge.get();
    } catch {
      return;
    }
    const row = this.ctx.results.get(filename);
    if (!pack || !row || row.status === 'baseline') return;
    const byHand = !measuredByHub(row);
    const claims = this.ctx.config.jobs.verify && claimsNewBest(this.ctx, row, pack);
    const queued = claims ? await queueVerification(this.ctx, pack, filename, HUB_HANDLE, true) : null;
    if (queued?.job) this.kick();
    if (!byHand || row.verification !== 'unverified') return;
    const rerun = queued?.job
      ? `It claims the new best and carries a runnable config, so it is re-run as ${queued.job} (charged to you); the verdict follows.`
      : queued?.reason
        ? `It is not re-run: ${queued.reason}.`
        : 'It is re-run only when it carries a runnable `config` and claims the new best.';
    await deliverVerdict(this.ctx, row, null, {
      verdict: 'unverified',
      note: `published by hand, so no job of this hub measured it, and it is not ranked by default. ${rerun} To be measured, ranked and verified, submit the configuration through POST /v1/jobs`,
    });
  }

  /** The organizer's explicit request to verify a result, claim or not (charged to nobody). */
  async verify(filename: string, requestedBy: string): Promise<string | null> {
    const pack = this.ctx.challenge.require();
    const queued = await queueVerification(this.ctx, pack, filename, requestedBy, false);
    if (!queued.job && queued.reason && !this.ctx.jobs.verificationOf(filename))
      throw new HubError('INVALID_CONFIG', `results/${filename} cannot be re-run: ${queued.reason}`);
    this.kick();
    return queued.job;
  }

  /** A suspended agent's queued jobs are cancelled and refunded, and its running job is stopped (nothing is published). */
  private async cancelJobsOf(agent: string): Promise<void> {
    const organizer: Caller = { kind: 'organizer', handle: HUB_HANDLE };
    for (const job of this.ctx.jobs.unfinished(agent)) {
      if (this.running?.job.id === job.id) {
        this.running.suspended = true;
        await this.stopRunning(organizer, job.id);
        continue;
      }
      await this.ctx
        .write(() => {
          if (this.ctx.jobs.get(job.id)?.state !== 'queued')
            throw new HubError('JOB_FINISHED', `job ${job.id} is no longer queued`);
          this.ctx.jobs.finish(
            job.id,
            'cancelled',
            this.ctx.now(),
            `cancelled: ${agent} was suspended by the organizer (refunded)`,
            null,
          );
          this.ctx.jobs.refund(job.id);
          return {
            result: null,
            effect: { actor: HUB_HANDLE, action: 'job.cancelled', target: job.id, detail: { reason: 'suspended' } },
          };
        })
        .then(() => this.log(job.id, `cancelled and refunded: ${agent} was suspended`))
        .catch(() => undefined); // it started or ended meanwhile: the running case above, or nothing to do
    }
  }

  /**
   * Queues the pack's baseline when it has none; at start, also when the last one failed (a crash, an OOM, a
   * timeout), so a cap and a reference row always come back.
   */
  private async ensureBaseline(pack: InstalledPack, atStart = false): Promise<void> {
    const latest = this.ctx.jobs.latestBaseline(pack.id, Date.parse(pack.installed_at) || 0);
    if (latest && !(atStart && latest.state === 'failed')) return;
    await this.queueBaseline(
      pack,
      latest ? `the last baseline (${latest.id}) failed; measured again at this start` : null,
    );
  }

  private async queueBaseline(pack: InstalledPack, why: string | null, requestedBy = HUB_HANDLE): Promise<JobRow> {
    const row = await this.ctx.write(() => {
      const ts = this.ctx.stampTime();
      const id = `job-${fileStamp(ts)}`;
      const config = { ...pack.defaults, target: pack.baseline.target, spec_type: 'none' };
      this.ctx.jobs.insert({
        id,
        agent: HUB_HANDLE,
        kind: 'baseline',
        pack: pack.id,
        config: JSON.stringify(config),
        method: 'baseline',
        description: '',
        created_at: ts,
        verifies: null,
      });
      return {
        result: this.ctx.jobs.get(id)!,
        effect: {
          actor: requestedBy,
          action: 'job.queued',
          target: id,
          detail: { kind: 'baseline', ...(why ? { why } : {}) },
        },
      };
    });
    if (why) this.log(row.id, why);
    return row;
  }

  /** The organizer's re-measure of the baseline; refused while one is queued or running. */
  async remeasureBaseline(requestedBy: string): Promise<JobRow> {
    const pack = this.ctx.challenge.require();
    const latest = this.ctx.jobs.latestBaseline(pack.id, 0);
    if (latest && (latest.state === 'queued' || latest.state === 'running')) {
      throw new HubError(
        'JOB_EXISTS',
        `the baseline is already ${latest.state} as ${latest.id}`,
        `GET /v1/jobs/${latest.id} follows it`,
      );
    }
    const row = await this.queueBaseline(pack, `re-measure asked for by ${requestedBy}`, requestedBy);
    this.kick();
    return row;
  }

  private async runNext(): Promise<void> {
    if (this.running || this.closed) return;
    let pack: InstalledPack | null = null;
    try {
      pack = this.ctx.challenge.get();
      if (pack) await this.ensureBaseline(pack);
    } catch {
      pack = null;
    }
    const job = this.ctx.jobs.next();
    if (!job) return;
    const controller = new AbortController();
    let finish!: () => void;
    const running: Running = { job, controller, cancelledBy: null, done: new Promise<void>((r) => (finish = r)) };
    this.running = running;
    try {
      await this.execute(running, pack);
    } finally {
      this.ctx.lease.release(job.id);
      this.progress.delete(job.id);
      this.running = null;
      finish();
      this.kick();
    }
  }

  private async execute(running: Running, pack: InstalledPack | null): Promise<void> {
    const { job, controller } = running;
    try {
      await this.ctx.write(() => {
        // Only a job still queued starts: one cancelled after it was picked must not run after all.
        if (!this.ctx.jobs.start(job.id, this.ctx.now()))
          throw new HubError('JOB_FINISHED', `job ${job.id} was cancelled before it started`);
        return {
          result: null,
          effect: { actor: job.agent, action: 'job.started', target: job.id, detail: { kind: job.kind } },
        };
      });
    } catch (err) {
      if (err instanceof HubError && err.code === 'JOB_FINISHED') return;
      throw err;
    }
    const claim = job.verifies ? this.ctx.results.get(job.verifies) : undefined;
    try {
      // A pack's calibration may hold the lease: the job waits its turn (a cancel or the hub closing ends the wait).
      const holder = this.ctx.lease.holder;
      if (holder) this.log(job.id, `waiting for the GPU lease, held by ${holder.job}`);
      // Local inference pauses for the lease; the measurement starts only once it has drained.
      const drain = await this.ctx.lease.acquire(job.id, this.ctx.now(), undefined, controller.signal);
      this.log(
        job.id,
        `started (${job.kind}); the GPU lease is held${drain.waited ? `; local inference ${drain.timed_out ? 'had not drained' : 'drained'} after ${drain.drain_ms} ms` : ''}`,
      );
      // A pack install calibrates under the lease and then replaces the pack: a job that waited for it measures
      // against the pack installed now, not the one read before the wait.
      try {
        pack = this.ctx.challenge.get();
      } catch {
        pack = null;
      }
      if (!pack || pack.id !== job.pack) throw new Error(`the ${job.pack} pack is no longer installed on this hub`);
      if (job.kind === 'verify') {
        const reason = unrunnableReason(pack, claim!.agent, job);
        if (reason) {
          this.log(job.id, `cannot re-run: ${reason}`);
          await deliverVerdict(this.ctx, claim!, job, {
            verdict: measuredByHub(claim!) ? 'invalid' : 'unverified',
            note: reason,
          });
          return;
        }
      }
      const input = await this.inputOf(job, pack, claim?.agent ?? job.agent);
      let { out, quality } = await this.measure(running, input, pack, drain);
      // A disturbed run (or a baseline too noisy to anchor anything) is measured once more before it is published.
      if (quality.quality === 'disturbed' || (job.kind === 'baseline' && quality.quality === 'noisy')) {
        this.log(job.id, `${quality.quality}: ${quality.note}; measuring once more`);
        ({ out, quality } = await this.measure(running, input, pack, drain));
      }
      this.writeOutput(job.id, out);
      this.log(job.id, `measurement: ${quality.quality}${quality.note ? ` (${quality.note})` : ''}`);
      if (job.kind === 'verify') {
        const verdict = judge(this.ctx, pack, claim!, out);
        this.log(job.id, `verdict: ${verdict.verdict} (${verdict.note})`);
        await deliverVerdict(this.ctx, claim!, job, verdict);
      } else {
        if (this.ctx.agents.get(job.agent)?.status === 'suspended')
          throw new Error(`not published: ${job.agent} is suspended by the organizer`);
        const filename = await publishJobResult(this.ctx, job, pack, out, quality);
        this.log(job.id, `published results/${filename}`);
        await this.ctx.note({
          actor: job.agent,
          action: 'job.succeeded',
          target: job.id,
          detail: { result: filename, measurement: quality.quality },
        });
      }
    } catch (err) {
      const message = (err as Error).message;
      const cancelled = controller.signal.aborted;
      const state = cancelled && running.cancelledBy ? 'cancelled' : 'failed';
      const error = cancelled
        ? running.suspended
          ? `cancelled: ${job.agent} was suspended by the organizer (refunded)`
          : running.cancelledBy
            ? `cancelled by ${running.cancelledBy} while running`
            : 'the hub shut down while this job ran'
        : message;
      this.log(job.id, `${state}: ${error}`);
      if (job.kind === 'verify' && claim && !cancelled) {
        // A re-run that fails decides nothing about the claim: it stays as it was, and the author is told why.
        await deliverVerdict(
          this.ctx,
          claim,
          job,
          { verdict: claim.verification, note: `the re-run failed, so nothing is decided: ${message}` },
          error,
        ).catch(() => undefined);
        return;
      }
      await this.ctx
        .write(() => {
          this.ctx.jobs.finish(job.id, state, this.ctx.now(), error, null);
          if (cancelled && (!running.cancelledBy || running.suspended)) this.ctx.jobs.refund(job.id);
          return {
            result: null,
            effect: { actor: job.agent, action: `job.${state}`, target: job.id, detail: { error } },
          };
        })
        .catch(() => undefined);
    }
  }

  /** One measurement of a job under the lease, judged against the pack's noise and disturbance limits. */
  private async measure(
    running: Running,
    input: JobRunInput,
    pack: InstalledPack,
    drain: LeaseDrain,
  ): Promise<{ out: JobRunOutput; quality: MeasurementVerdict }> {
    const { job, controller } = running;
    let lastSave = 0;
    const out = await this.runner.run(input, {
      signal: controller.signal,
      timeoutMs: pack.gate.job_timeout_s * 1000,
      // In the data folder, not the system temp folder: the job file holds the held-out prompts, and the sandbox
      // hides the data folder from every agent (a TMPDIR elsewhere might not be hidden).
      workDir: join(this.ctx.layout.root, 'tmp'),
      onLog: (line) => this.log(job.id, line),
      onProgress: (p) => {
        this.progress.set(job.id, p);
        this.ctx.events.publish({ id: null, type: 'job.progress', data: { target: job.id, progress: p } });
        if (Date.now() - lastSave >= PROGRESS_SAVE_MS) {
          lastSave = Date.now();
          this.ctx.jobs.setProgress(job.id, JSON.stringify(p));
        }
      },
    });
    const inference: MachineState['inference'] = drain.waited
      ? {
          paused: !drain.timed_out,
          drain_ms: drain.drain_ms,
          note: drain.timed_out
            ? `still generating after ${drain.drain_ms} ms`
            : 'paused and drained before the measurement',
        }
      : null;
    const measured = { ...out, machine: { ...out.machine, inference } };
    // Judged on the figures it is ranked by: the public prompts' (what `tps` and `speedup` publish).
    const ranked = measured.splits.public ?? measured;
    return {
      out: measured,
      quality: judgeMeasurement(pack.gate, { ...ranked, machine: measured.machine, repeats: measured.repeats }),
    };
  }

  private async inputOf(job: JobRow, pack: InstalledPack, modelOwner: string): Promise<JobRunInput> {
    const checked = checkRunConfig({ ...pack.defaults, ...(JSON.parse(job.config) as Record<string, unknown>) });
    if (checked.error !== null) throw new Error(`config: ${checked.error}`);
    const config = await resolveModelPaths(this.ctx, pack, modelOwner, checked.config);
    // A hub-measured claim is re-run on the prompts its author never saw; a hand-published one on every prompt, so
    // its public figure can be compared with what was claimed.
    const claim = job.verifies ? this.ctx.results.get(job.verifies) : undefined;
    const privateOnly = job.kind === 'verify' && claim !== undefined && measuredByHub(claim);
    const prompts = pack.prompts.filter((p) => !privateOnly || p.split === 'private');
    const verify = job.kind === 'verify';
    const { tokens, repeats, warmup, max_repeats, noise_target } = pack.gate;
    return {
      config,
      measure: { tokens, repeats, warmup, max_repeats, noise_target },
      prompts: (prompts.length ? prompts : pack.prompts).map((p) => ({ id: p.id, split: p.split, text: p.text })),
      references: pack.references,
      probe: verify ? [] : pack.probe,
      probe_tokens: pack.gate.probe_tokens,
    };
  }

  private jobFolder(id: string): string {
    const dir = join(this.ctx.layout.central, 'jobs', id);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The job's log in central/jobs/<id>/log.txt: agents read it through the workspace API. */
  private log(id: string, line: string): void {
    try {
      appendFileSync(join(this.jobFolder(id), 'log.txt'), `${new Date(this.ctx.now()).toISOString()} ${line}\n`);
    } catch {
      // a log line is never worth failing a job
    }
  }

  private writeOutput(id: string, out: unknown): void {
    writeFileSync(join(this.jobFolder(id), 'output.json'), JSON.stringify(out, null, 2) + '\n');
  }
}
