// `collab-desk models`: model files on this machine; make-demo writes the generated demo target and its drafts.
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { makeModelFamily, type FamilyOptions } from '../bench/gguf/tiny-llama';
import { defaultDataFolder } from '../hub/data-folder';

/** The demo challenge's models: random weights, but real llama.cpp files, small enough for any CPU. */
export const DEMO_FAMILY: FamilyOptions = { seed: 2026, layers: 6, embd: 256, heads: 8, kvHeads: 4, ff: 768, ctx: 2048, dropLayers: 2 };

export function modelsCommand(): Command {
  const models = new Command('models').description('Model files');
  models
    .command('make-demo')
    .description('Write the demo target and its drafts (generated, no download): target, Q8_0 and Q4_0 copies, a shallow draft')
    .option('--dir <dir>', 'where to write them', join(defaultDataFolder(), 'models', 'demo'))
    .action(async (o: { dir: string }) => {
      const dir = resolve(o.dir);
      const t0 = performance.now();
      const family = await makeModelFamily(dir, DEMO_FAMILY);
      console.log(`demo models written in ${((performance.now() - t0) / 1000).toFixed(1)} s:`);
      console.log(`  target        ${family.target}`);
      console.log(`  draft (Q8_0)  ${family.draftQ8_0}`);
      console.log(`  draft (Q4_0)  ${family.draftQ4_0}`);
      console.log(`  draft (-${DEMO_FAMILY.dropLayers} layers) ${family.draftShallow}`);
      console.log(`try: collab-desk bench run --target ${family.target} --draft ${family.draftQ8_0} --spec-type draft`);
    });
  return models;
}
