// `collab-desk demo` as a newcomer sees it: the terminal narrates the baseline, jobs, results and verdicts, a bounded
// run ends with a summary (and with --keep leaves the hub up), and --model takes only a GGUF file.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, killAllChildren, PROJECT_ROOT, runCli, startCli, waitForLine } from '../helpers/hub-process';
import { takeDemoSlot } from '../helpers/demo-slot';

const DEMO_GOAL = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'resources', 'packs', 'demo.json'), 'utf8')) as { goal: string }
).goal;

describe('collab-desk demo tells its story', () => {
  let dir: string;
  let data: string;
  let env: NodeJS.ProcessEnv;
  /** A real chat model in the (test's own) Hugging Face cache: what the demo offers to think with. */
  let realModel: string;

  let releaseSlot = () => {};

  beforeAll(async () => {
    assertCliBuilt();
    // Waits while another test file runs its demo (a hang guard: one demo file's worth).
    releaseSlot = await takeDemoSlot();
    dir = mkdtempSync(join(tmpdir(), 'collab-desk-demo-cli-'));
    data = join(dir, 'demo');
    const cache = join(dir, 'hf-cache');
    const snapshot = join(cache, 'models--unsloth--gemma-4-E4B-it-GGUF', 'snapshots', 'abc123');
    mkdirSync(snapshot, { recursive: true });
    mkdirSync(join(cache, 'models--unsloth--gemma-4-E4B-it-GGUF', 'refs'), { recursive: true });
    writeFileSync(join(cache, 'models--unsloth--gemma-4-E4B-it-GGUF', 'refs', 'main'), 'abc123');
    realModel = join(snapshot, 'gemma-4-E4B-it-Q4_K_M.gguf');
    // Only looked at, never loaded: the offer names the file, the demo keeps thinking with its own model.
    writeFileSync(realModel, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(64)]));
    env = { ...process.env, HF_HUB_CACHE: cache, XDG_CONFIG_HOME: join(dir, 'config') };
    delete env.HF_HOME;
  }, 900_000);

  afterAll(async () => {
    await killAllChildren();
    releaseSlot();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--model refuses a file that is not a GGUF model, by name, and creates nothing', async () => {
    const folder = join(dir, 'never');
    const run = await runCli(['demo', '--data', folder, '--port', '0', '--model', '/etc/passwd'], 30_000, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^collab-desk demo: --model \/etc\/passwd is not a GGUF file/);
    expect(run.stderr).toMatch(/give the path of a GGUF chat model file/);
    expect(existsSync(folder)).toBe(false);
    const missing = await runCli(['demo', '--data', folder, '--model', join(dir, 'nosuch.gguf')], 30_000, env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--model \S+nosuch\.gguf does not exist/);
    expect(existsSync(folder)).toBe(false);
  });

  it('`demo --max-steps` narrates the baseline, the job and its result, then prints a summary and exits 0', async () => {
    // A hang guard, not a speed target: about 75 s on a quiet 2-core machine (the pack, the baseline, one job), but
    // several times that on cores shared with other test files, where disturbed runs are measured again.
    const run = await runCli(
      ['demo', '--data', data, '--port', '0', '--agents', '1', '--max-steps', '2', '--step-delay', '0'],
      540_000,
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const has = (re: RegExp) =>
      expect(
        lines.some((l) => re.test(l)),
        `${re}\n${run.stdout}`,
      ).toBe(true);

    // What the demo is about, and what the agents think with.
    has(new RegExp(`^goal: ${DEMO_GOAL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    has(/^agents think with: the random-weight demo model target\.gguf: its posts and titles are noise/);
    expect(run.stdout).toContain(
      `thinking with a random-weight demo model; for readable posts run: collab-desk demo --model ${realModel} --data ${data}`,
    );

    // The story, one timestamped line per event.
    has(/^\d\d:\d\d:\d\d baseline: measuring the plain target \(job \S+\)…$/);
    has(/^\d\d:\d\d:\d\d baseline measured: \d+\.\d tokens\/s/);
    const submitted = lines
      .map((l) =>
        /^\d\d:\d\d:\d\d job (\S+) submitted by local-1: (plain|draft model|MTP drafter|\S+ lookup)\b/.exec(l),
      )
      .find(Boolean);
    expect(submitted, run.stdout).toBeTruthy();
    const job = submitted![1]!;
    has(new RegExp(`^\\d\\d:\\d\\d:\\d\\d job ${job} started \\(local-1\\)$`));
    has(
      new RegExp(
        // The side-by-side ratio first; the one against a baseline measured at another time said as such.
        `^\\d\\d:\\d\\d:\\d\\d job ${job} finished \\(local-1\\): \\d+\\.\\d tokens/s, x\\d+\\.\\d\\d over its plain target measured beside it \\(x\\d+\\.\\d\\d over the baseline, measured at another time\\)$`,
      ),
    );
    has(/^\d\d:\d\d:\d\d result published by local-1: \d+\.\d tokens\/s ".+" \(\S+_local-1\.md\)$/);
    // Step chatter stays out: the agent's lines are its state changes.
    expect(lines.filter((l) => /local-1: (thinking|submit_job)/.test(l))).toEqual([]);

    // The summary: the baseline, what the agent did, the best against the baseline, the verdicts, the leaderboard.
    const summary = lines.slice(lines.indexOf('summary'));
    expect(summary.length, run.stdout).toBeGreaterThan(1);
    const text = summary.join('\n');
    expect(text).toMatch(/^ {2}baseline: \d+\.\d tokens\/s \(plain target, measured \d\d:\d\d:\d\d\)$/m);
    expect(text).toMatch(/^ {2}local-1: 2 steps, \d+ tokens, [1-9]\d* jobs \(\d+ succeeded/m);
    // The leader when one ranks; else the fastest result, said to be unranked (a dead end on a slow CPU).
    expect(text).toMatch(
      /^ {2}best: (\d+\.\d tokens\/s by local-1, x\d+\.\d\d over its plain target measured beside it|none ranked yet; the fastest measured was \d+\.\d tokens\/s by local-1, x\d+\.\d\d over its plain target measured beside it \((a dead end|\w+, not ranked))/m,
    );
    expect(text).toMatch(/^ {2}verdicts: \d+ valid, \d+ invalid, \d+ pending/m);
    expect(text).toMatch(/^ {2}leaderboard:$/m);
    expect(text).toMatch(
      /^ {4}(#1 local-1 {2}\d+\.\d tokens\/s {2}(x\d+\.\d\d|speedup n\/a) {2}(verified|not verified)|\(empty: no clean, ranked result yet\))/m,
    );
  }, 560_000);

  it("with --keep the hub outlives the summary, shows the pack's goal, and Ctrl-C ends it", async () => {
    // The same folder: the pack and the baseline are there already, so one thinking step is enough to get a summary.
    const demo = startCli(
      ['demo', '--data', data, '--port', '0', '--agents', '1', '--max-steps', '1', '--step-delay', '0', '--keep'],
      {
        env,
      },
    );
    await waitForLine(
      demo,
      /^\d\d:\d\d:\d\d baseline: \d+\.\d tokens\/s \(plain target, measured by an earlier run on \d{4}-\d\d-\d\d\)$/,
      60_000,
    );
    // A hang guard: one thinking step, seconds on a quiet machine.
    await waitForLine(demo, /^ {2}leaderboard:$/, 300_000);
    const [, url] = await waitForLine(
      demo,
      /^\d\d:\d\d:\d\d the agents are done; the hub keeps running: (http:\/\/127\.0\.0\.1:\d+)\/ \(Ctrl-C stops it\)$/,
      30_000,
    );
    const health = await fetch(`${url}/v1/healthz`);
    expect(health.status).toBe(200);
    // The dashboard's top bar reads the goal from here: the demo pack's, not the default gemma one.
    const about = (await (await fetch(`${url}/v1`)).json()) as { goal: string };
    expect(about.goal).toBe(DEMO_GOAL);
    const exit = await demo.stop('SIGINT', 30_000);
    expect(exit.code).toBe(0);
  }, 420_000);
});
