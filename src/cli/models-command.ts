// `collab-desk models`: model files on this machine; make-demo writes the generated demo models, pull downloads one from the Hub.
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { writeGemma4Pair } from '../bench/gguf/tiny-gemma4';
import { makeModelFamily } from '../bench/gguf/tiny-llama';
import { DEMO_FAMILY, findPackModel } from '../bench/pack-install';
import { formatBytes, pullModel, type PullProgress } from '../bench/model-download';
import {
  firstDownloadRecordFile,
  pinDescription,
  preflightPackModel,
  pullPackModel,
  recordHashes,
  type HubPackModel,
} from '../bench/pack-model-pins';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { takeHfToken } from '../platform/hf-token';

function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const [h, m, sec] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60];
  return `${h > 0 ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(sec).padStart(2, '0')}`;
}

/** One progress line: bytes, share, rate, time left. */
export function formatDownloadProgress(label: string, p: PullProgress): string {
  const share = p.total ? `  ${((p.bytes / p.total) * 100).toFixed(1).padStart(5)}%` : '';
  return `${label}  ${formatBytes(p.bytes)}${p.total !== null ? ` / ${formatBytes(p.total)}` : ''}${share}  ${formatBytes(Math.round(p.rate))}/s  ETA ${formatDuration(p.eta_s)}`;
}

/**
 * Download progress on stderr, for any command that pulls models: one line rewritten in place on a terminal; on a
 * pipe or a file (CI logs) a plain line every few seconds, so the log shows the transfer moving without filling up.
 */
export function downloadProgressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
  everyMs = 5_000,
): { update(label: string, p: PullProgress): void; done(): void } {
  const tty = stream.isTTY;
  let drawn: string | null = null;
  let lastLine = -Infinity;
  let lastBytes = -1;
  return {
    update(label, p) {
      const line = formatDownloadProgress(label, p);
      if (tty) {
        // A new file starts on a fresh line, so the previous file's last state stays readable.
        if (drawn !== null && drawn !== label) stream.write('\n');
        stream.write(`\r${line}\x1b[K`);
        drawn = label;
        return;
      }
      const now = performance.now();
      const finished = p.total !== null && p.bytes >= p.total;
      if (drawn !== label || (finished && lastBytes !== p.bytes) || now - lastLine >= everyMs) {
        stream.write(line + '\n');
        lastLine = now;
        lastBytes = p.bytes;
        drawn = label;
      }
    },
    done() {
      if (tty && drawn !== null) stream.write('\n');
      drawn = null;
    },
  };
}

export function modelsCommand(): Command {
  const models = new Command('models').description('Model files');
  models
    .command('make-demo')
    .description(
      'Write the demo models (generated, no download): a llama target with Q8_0, Q4_0 and shallow drafts, and a tiny gemma4 target with its gemma4-assistant (MTP) drafter',
    )
    .option('--dir <dir>', 'where to write them', join(defaultDataFolder(), 'models', 'demo'))
    .action(async (o: { dir: string }) => {
      const dir = resolve(o.dir);
      const t0 = performance.now();
      const family = await makeModelFamily(dir, DEMO_FAMILY);
      const gemma = await writeGemma4Pair(join(dir, 'gemma4'));
      console.log(`demo models written in ${((performance.now() - t0) / 1000).toFixed(1)} s:`);
      console.log(`  target        ${family.target}`);
      console.log(`  draft (Q8_0)  ${family.draftQ8_0}`);
      console.log(`  draft (Q4_0)  ${family.draftQ4_0}`);
      console.log(`  draft (-${DEMO_FAMILY.dropLayers} layers) ${family.draftShallow}`);
      console.log(`  gemma4 target ${gemma.target}`);
      console.log(`  gemma4 MTP drafter ${gemma.draft}`);
      console.log(`try: collab-desk bench run --target ${family.target} --draft ${family.draftQ8_0} --spec-type draft`);
      console.log(`  or: collab-desk bench run --target ${gemma.target} --draft ${gemma.draft} --spec-type draft-mtp`);
    });
  models
    .command('pull')
    .description(
      'Download one file from the Hugging Face Hub into the standard HF cache (shared with other HF tools): resumable, sha256-checked; prints its path. A gated or private repo needs HF_TOKEN',
    )
    .argument(
      '<model>',
      'a model a shipped challenge pack names (e.g. gemma-4-e4b-q4), or a repo on the Hub (owner/name) followed by the file',
    )
    .argument('[file]', 'with a repo: the file inside it, e.g. model-Q8_0.gguf')
    .option('--revision <rev>', 'with a repo: branch, tag or commit (default main)')
    .option('--sha256 <hex>', 'with a repo: the sha256 the file must have (refuses any other)')
    .option(
      '--data <dir>',
      'the data folder whose record of first-download hashes a pack model is held to',
      defaultDataFolder(),
    )
    .option(
      '--accept-new-hash',
      'a pack model whose file changed on the Hub since its first download here: take the new file on purpose and record its hash',
    )
    .option('--hub-url <url>', 'Hugging Face endpoint', process.env.HF_ENDPOINT ?? 'https://huggingface.co')
    .option(
      '--cache-dir <dir>',
      'cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)',
    )
    .action(
      async (
        model: string,
        fileArg: string | undefined,
        o: {
          revision?: string;
          sha256?: string;
          hubUrl: string;
          cacheDir?: string;
          data: string;
          acceptNewHash?: boolean;
        },
      ) => {
        const repo = model;
        const file = fileArg ?? '';
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        if (fileArg === undefined) {
          const found = findPackModel(model);
          if ('known' in found) {
            console.error(
              `collab-desk models: no pack names a model "${model}"; known: ${found.known.join(', ')} (or give a repo and a file: models pull owner/name file.gguf)`,
            );
            process.exit(1);
          }
          if (o.revision !== undefined || o.sha256 !== undefined) {
            console.error(
              `collab-desk models: ${model} is pulled as its pack pins it (${pinDescription(found.model.source.hf)}); to pull another revision or hash, give the repo and the file: models pull ${found.model.source.hf.repo} ${found.model.source.hf.file} --revision <rev>`,
            );
            process.exit(1);
          }
          await pullFromPack(found, o, controller.signal);
          return;
        }
        if (o.acceptNewHash) {
          console.error(
            'collab-desk models: --accept-new-hash is for a model a pack names (its hash is recorded at first download); with a repo and a file, give --sha256 to check the bytes',
          );
          process.exit(1);
        }
        const progress = downloadProgressPrinter();
        const token = takeHfToken()();
        try {
          const pulled = await pullModel(
            { repo, file, revision: o.revision ?? 'main', ...(o.sha256 ? { sha256: o.sha256 } : {}) },
            {
              hubUrl: o.hubUrl,
              ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
              ...(token ? { accessToken: token } : {}),
              signal: controller.signal,
              onProgress: (p) => progress.update(`${repo}/${file}`, p),
            },
          );
          progress.done();
          console.error(
            `${pulled.fromCache ? 'already in the cache' : `downloaded ${formatBytes(pulled.bytes)}`}: ${repo}/${file} at ${pulled.commit.slice(0, 12)}, sha256 ${pulled.sha256}`,
          );
          console.log(pulled.path);
        } catch (err) {
          progress.done();
          // A ModelDownloadError is written for the user; anything else (a cache folder it may not write) is said as plainly.
          console.error(`collab-desk models: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        }
      },
    );
  return models;
}

/**
 * `models pull <pack model>`: the file held to its pin (the pack's sha256, or the hash recorded here at first
 * download), checked for the architecture the pack declares before and after the download; the hash of a first
 * download (or of a new file accepted on purpose) is recorded once the file passed.
 */
async function pullFromPack(
  found: HubPackModel,
  o: { hubUrl: string; cacheDir?: string; data: string; acceptNewHash?: boolean },
  signal: AbortSignal,
): Promise<void> {
  const hf = found.model.source.hf;
  const progress = downloadProgressPrinter();
  const token = takeHfToken()();
  const recordFile = firstDownloadRecordFile(dataLayout(resolve(o.data)).models);
  const options = {
    recordFile,
    acceptHint: (model: string) =>
      `collab-desk models pull ${model} --accept-new-hash${o.data === defaultDataFolder() ? '' : ` --data ${o.data}`}`,
    hubUrl: o.hubUrl,
    ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
    ...(token ? { accessToken: token } : {}),
    ...(o.acceptNewHash ? { acceptNewHash: true } : {}),
    signal,
  };
  try {
    await preflightPackModel(found, options);
    const pulled = await pullPackModel(found, {
      ...options,
      onProgress: (p) => progress.update(`${hf.repo}/${hf.file}`, p),
    });
    progress.done();
    if (pulled.record) recordHashes(recordFile, [{ hf, hash: pulled.record }]);
    const held = hf.sha256
      ? `matches the pack's sha256 (${pinDescription(hf)})`
      : pulled.heldTo
        ? `matches the sha256 recorded at its first download here (${pulled.heldTo.recorded_at})`
        : `first download here: sha256 recorded in ${recordFile}; later downloads must match it`;
    console.error(
      `${pulled.fromCache ? 'already in the cache' : `downloaded ${formatBytes(pulled.bytes)}`}: ${found.name} (${found.pack} pack) = ${hf.repo}/${hf.file} at ${pulled.commit.slice(0, 12)}, sha256 ${pulled.sha256}; ${held}${found.model.architecture ? `; architecture ${found.model.architecture}` : ''}`,
    );
    console.log(pulled.path);
  } catch (err) {
    progress.done();
    console.error(`collab-desk models: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
