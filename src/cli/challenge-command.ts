// `collab-desk challenge init <pack>`: installs a challenge pack into a data folder; the hub picks it up and runs its baseline.
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { BenchError } from '../bench/bench-error';
import { findPackFile, installPack } from '../bench/pack-install';
import { ModelDownloadError } from '../bench/model-download-error';
import { dataLayout, defaultDataFolder } from '../platform/data-folder';
import { takeHfToken } from '../platform/hf-token';
import { downloadProgressPrinter } from './models-command';

export function challengeCommand(): Command {
  const challenge = new Command('challenge').description('The speed challenge hosted by this machine');
  challenge
    .command('init')
    .argument(
      '<pack>',
      'a shipped pack (demo: generated models, offline; gemma: gemma-4-E4B from the Hugging Face Hub; gemma-qat: its QAT build with the matched drafter) or a pack .json file',
    )
    .description(
      'Install a challenge pack: model files on this machine, reference completions calibrated by the baseline; a running hub picks it up and queues the baseline run',
    )
    .option('--data <dir>', "the hub's data folder", defaultDataFolder())
    .option(
      '--hub-url <url>',
      'Hugging Face endpoint for model downloads',
      process.env.HF_ENDPOINT ?? 'https://huggingface.co',
    )
    .option('--cache-dir <dir>', 'Hugging Face cache folder (default: the standard one, shared with other tools)')
    .option(
      '--private-prompts <file>',
      'the held-out prompts verification re-runs claims on, supplied by you: a JSON array or JSON lines of {"id", "text"} (instead of drawing them from the pack)',
    )
    .option(
      '--redraw-private',
      'replace the private prompts this pack already has here (drawn again, or from --private-prompts): results verified on the old ones no longer compare',
    )
    .action(
      async (
        name: string,
        o: { data: string; hubUrl: string; cacheDir?: string; privatePrompts?: string; redrawPrivate?: boolean },
      ) => {
        const layout = dataLayout(resolve(o.data));
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        const progress = downloadProgressPrinter();
        try {
          const file = findPackFile(name);
          // HF_TOKEN, or the token file `hf auth login` writes, for a gated model.
          const hfToken = takeHfToken()();
          const t0 = performance.now();
          const pack = await installPack(file, {
            dest: layout.challengePack,
            // Calibration's job file holds the held-out prompts: inside the data folder, not the system temp folder.
            bench: { workDir: join(layout.root, 'tmp') },
            modelsDir: layout.models,
            hubUrl: o.hubUrl,
            ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
            ...(hfToken ? { accessToken: hfToken } : {}),
            ...(o.privatePrompts ? { privatePrompts: resolve(o.privatePrompts) } : {}),
            ...(o.redrawPrivate ? { redrawPrivate: true } : {}),
            signal: controller.signal,
            log: (line) => console.error(line),
            onDownload: (model, p) => progress.update(model, p),
          });
          progress.done();
          const held = pack.held_out;
          const how = held.kept
            ? `kept from ${held.drawn_at.slice(0, 10)}; --redraw-private replaces them`
            : held.source === 'generated'
              ? 'drawn now with a secret seed'
              : 'supplied by you';
          console.log(
            `installed the ${pack.id} pack (${pack.title}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
          console.log(
            `  ${pack.prompts.length} public and ${held.prompts} private prompts (${how}), ${pack.references.length + held.references} references, ${pack.probe.length} probe questions`,
          );
          for (const [model, path] of Object.entries(pack.model_paths)) console.log(`  ${model.padEnd(24)} ${path}`);
          console.log(
            `  written to ${layout.challengePack}; the private prompts and their references to ${held.folder} (only the hub reads them)`,
          );
          console.log(
            'the hub runs the baseline first; then submit jobs: collab-desk jobs submit --target <model> [--draft <model> --spec-type draft]',
          );
        } catch (err) {
          progress.done();
          if (err instanceof BenchError || err instanceof ModelDownloadError) {
            console.error(`collab-desk challenge: ${err.message}`);
            process.exit(1);
          }
          throw err;
        }
      },
    );
  return challenge;
}
