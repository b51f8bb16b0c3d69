// `collab-desk challenge init <pack>`: installs a challenge pack into a data folder; the hub picks it up and runs its baseline.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { BenchError } from '../bench/bench-error';
import { findPackFile, installPack } from '../bench/pack-install';
import { ModelDownloadError } from '../bench/model-download';
import { dataLayout, defaultDataFolder } from '../hub/data-folder';
import { downloadProgressPrinter } from './models-command';

export function challengeCommand(): Command {
  const challenge = new Command('challenge').description('The speed challenge hosted by this machine');
  challenge
    .command('init')
    .argument('<pack>', 'a shipped pack (demo: generated models, offline; gemma: gemma-4-E4B from the Hugging Face Hub) or a pack .json file')
    .description('Install a challenge pack: model files on this machine, reference completions calibrated by the baseline; a running hub picks it up and queues the baseline run')
    .option('--data <dir>', 'the hub\'s data folder', defaultDataFolder())
    .option('--hub-url <url>', 'Hugging Face endpoint for model downloads', process.env.HF_ENDPOINT ?? 'https://huggingface.co')
    .option('--cache-dir <dir>', 'Hugging Face cache folder (default: the standard one, shared with other tools)')
    .action(async (name: string, o: { data: string; hubUrl: string; cacheDir?: string }) => {
      const layout = dataLayout(resolve(o.data));
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      const progress = downloadProgressPrinter();
      try {
        const file = findPackFile(name);
        const t0 = performance.now();
        const pack = await installPack(file, {
          dest: layout.challengePack,
          modelsDir: layout.models,
          hubUrl: o.hubUrl,
          ...(o.cacheDir ? { cacheDir: resolve(o.cacheDir) } : {}),
          ...(process.env.HF_TOKEN ? { accessToken: process.env.HF_TOKEN } : {}),
          signal: controller.signal,
          log: (line) => console.error(line),
          onDownload: (model, p) => progress.update(model, p),
        });
        progress.done();
        const pub = pack.prompts.filter((p) => p.split === 'public').length;
        console.log(`installed the ${pack.id} pack (${pack.title}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        console.log(`  ${pub} public and ${pack.prompts.length - pub} private prompts, ${pack.references.length} references, ${pack.probe.length} probe questions`);
        for (const [model, path] of Object.entries(pack.model_paths)) console.log(`  ${model.padEnd(24)} ${path}`);
        console.log(`  written to ${layout.challengePack}`);
        console.log('the hub runs the baseline first; then submit jobs: collab-desk jobs submit --target <model> [--draft <model> --spec-type draft]');
      } catch (err) {
        progress.done();
        if (err instanceof BenchError || err instanceof ModelDownloadError) {
          console.error(`collab-desk challenge: ${err.message}`);
          process.exit(1);
        }
        throw err;
      }
    });
  return challenge;
}
