// Deleting one installed model safely: one delete at a time, never a file in use without force nor one being
// downloaded, and never anything outside the Hugging Face cache or the data folder's models/.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ModelLibraryError, type ExtraModelUse, type InstalledModel } from '../shared/models';
import { removeCachedModel } from './hf-cache';
import { errnoOf, gone, isInside, pruneEmpty, removeFile } from './model-files';
import type { ModelPulls } from './model-pulls';
import type { Scan } from './model-scan';

export interface ModelDeletesOptions {
  cacheDir: string;
  modelsDir: string;
  scan: (uses: ExtraModelUse[]) => Promise<Scan>;
  pulls: ModelPulls;
}

export class ModelDeletes {
  /** Deletes run one at a time: two deletes of one model (or of one repo's files) would race on the same files. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Per repo, the delete running in it: a pull of that repo waits for it, so it never loses its folder mid-way. */
  private readonly inRepo = new Map<string, Promise<void>>();

  constructor(private readonly o: ModelDeletesOptions) {}

  /** The delete running in `repo`, if any. */
  running(repo: string): Promise<void> | undefined {
    return this.inRepo.get(repo);
  }

  delete(
    id: string,
    options: { force?: boolean; uses?: ExtraModelUse[] } = {},
  ): Promise<{ model: InstalledModel; freed_bytes: number }> {
    const run = this.queue.then(() => this.deleteNow(id, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deleteNow(
    id: string,
    options: { force?: boolean; uses?: ExtraModelUse[] },
  ): Promise<{ model: InstalledModel; freed_bytes: number }> {
    const scan = await this.o.scan(options.uses ?? []);
    const model = scan.installed.find((m) => m.id === id);
    if (!model)
      throw new ModelLibraryError(
        'MODEL_NOT_FOUND',
        `no installed model with id "${id}"`,
        'GET /v1/models lists the installed models and their ids',
      );
    if (!model.deletable)
      throw new ModelLibraryError(
        'MODEL_NOT_DELETABLE',
        `${model.name} cannot be deleted here: ${model.locked_reason}`,
        'delete it yourself if you are sure',
      );
    const downloading = this.o.pulls.running(model.repo, model.file);
    if (downloading)
      throw new ModelLibraryError(
        'MODEL_IN_USE',
        `${model.name} is being downloaded (${downloading.id})`,
        `cancel the download first: DELETE /v1/models/downloads/${downloading.id}`,
      );
    if (model.used_by.length > 0 && !options.force) {
      throw new ModelLibraryError(
        'MODEL_IN_USE',
        `${model.name} is in use. ${model.delete_warning}`,
        'pass force=true to delete it anyway',
      );
    }
    if (model.source !== 'hf') return { model, freed_bytes: await this.deleteInModelsDir(model.path, model.name) };
    const repo = model.repo!;
    // Another file of the repo downloading needs the repo's folder, its snapshot folder and refs/main as they are;
    // a pull asked for from now on waits for this delete (no await between this check and the claim).
    const repoBusy = this.o.pulls.running(repo) !== undefined;
    let release!: () => void;
    this.inRepo.set(repo, new Promise<void>((resolve) => (release = resolve)));
    try {
      return {
        model,
        freed_bytes: await removeCachedModel(this.o.cacheDir, scan.cached.get(model.id)!, model.name, {
          prune: !repoBusy,
        }),
      };
    } finally {
      this.inRepo.delete(repo);
      release();
    }
  }

  private async deleteInModelsDir(path: string, name: string): Promise<number> {
    let modelsReal: string;
    let real: string;
    let parentReal: string;
    let size: number;
    try {
      modelsReal = await realpath(this.o.modelsDir);
      real = await realpath(path);
      parentReal = await realpath(dirname(path));
      size = (await stat(real)).size;
    } catch (err) {
      // Removed between the listing and this delete (by hand, or by another delete).
      if (errnoOf(err) === 'ENOENT') throw gone(name);
      throw err;
    }
    // Both the name and what it resolves to must be inside models/: a link out of it is never followed.
    if (!isInside(real, modelsReal) || !isInside(join(parentReal, basename(path)), modelsReal)) {
      throw new ModelLibraryError(
        'MODEL_NOT_DELETABLE',
        `${path} is not inside ${this.o.modelsDir}; nothing was deleted`,
      );
    }
    await removeFile(join(parentReal, basename(path)), name);
    await pruneEmpty(dirname(join(parentReal, basename(path))), modelsReal);
    return size;
  }
}
