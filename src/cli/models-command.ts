// `collab-desk models`: model files on this machine; make-demo writes the generated demo target and its drafts.
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { writeGemma4Pair } from '../bench/gguf/tiny-gemma4';
import { makeModelFamily, type FamilyOptions } from '../bench/gguf/tiny-llama';
import { defaultDataFolder } from '../hub/data-folder';

/** The demo challenge's models: random weights, but real llama.cpp files, small enough for any CPU. */
export const DEMO_FAMILY: FamilyOptions = { seed: 2026, layers: 6, embd: 256, heads: 8, kvHeads: 4, ff: 768, ctx: 2048, dropLayers: 2 };

export function modelsCommand(): Command {
  const models = new Command('models').description('Model files');
  models
    .command('make-demo')
    .description('Write the demo models (generated, no download): a llama target with Q8_0, Q4_0 and shallow drafts, and a tiny gemma4 target with its gemma4-assistant (MTP) drafter')
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
  return models;
}
