// A pack's Hub models held to their pins: the sha256 a pack gives, or the hash recorded at first download and held to
// after; and the GGUF architecture each file must declare, checked before and after the download.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PackModel } from '../shared/challenge';
import { ggufFileArchitecture, ggufMetadataString } from '../platform/gguf-file';
import { BenchError } from './bench-error';
import { cachedModel, pullModel, remoteFileHead, type PulledModel, type PullOptions } from './model-download';
import { ModelDownloadError } from './model-download-error';

/** A pack model whose file is on the Hub. */
export interface HubPackModel {
  /** The pack's id (gemma) and its name for the model (gemma-4-e4b-assistant). */
  pack: string;
  name: string;
  model: PackModel & { source: { hf: HubSource } };
}
type HubSource = Extract<PackModel['source'], { hf: unknown }>['hf'];

/** One file's hash as first downloaded on this machine. */
export interface FirstDownloadHash {
  sha256: string;
  bytes: number;
  commit: string;
  recorded_at: string;
  pack: string;
  model: string;
}

interface HashRecords {
  version: 1;
  /** By `owner/name/file@revision`: the same file of the same repo at the same revision, whichever pack names it. */
  files: Record<string, FirstDownloadHash>;
}

const COMMIT = /^[0-9a-f]{40}$/;
/** The first bytes fetched to read a GGUF's architecture before a download: it is the first key llama.cpp writes. */
const HEAD_BYTES = 256 * 1024;

/**
 * Architecture names other forks gave to a file mainline llama.cpp names otherwise; such a file does not load in
 * mainline llama.cpp. Said in the refusal, with where the mainline conversion is.
 */
const FORK_NAMES: Record<string, { names: string[]; fix: string }> = {
  'gemma4-assistant': {
    names: ['gemma4_assistant', 'gemma4_mtp'],
    fix: "get the mainline llama.cpp conversion, which declares gemma4-assistant (with a hyphen): e.g. unsloth/gemma-4-E4B-it-GGUF's mtp-gemma-4-E4B-it.gguf",
  },
};

/** The record of first-download hashes in a data folder's models/ folder. */
export function firstDownloadRecordFile(modelsDir: string): string {
  return join(modelsDir, 'first-download-hashes.json');
}

function recordKey(hf: HubSource): string {
  return `${hf.repo}/${hf.file}@${hf.revision ?? 'main'}`;
}

/** What a pack model is held to, in words: "pinned" only for a commit and a sha256 together. */
export function pinDescription(hf: HubSource): string {
  const revision = hf.revision ?? 'main';
  if (hf.sha256 && COMMIT.test(revision)) return `pinned to commit ${revision} and sha256 ${hf.sha256}`;
  if (hf.sha256) return `checked against sha256 ${hf.sha256} (revision ${revision} is a branch or tag, not a pin)`;
  return `hashed at first download and held to that hash after (revision ${revision} is not pinned)`;
}

/** A pack whose Hub source says both "this sha256" and "trust the first download" is refused: it must say which. */
export function checkHubSource(name: string, hf: HubSource, where: string): void {
  if (hf.sha256 && hf.pin === 'first-download')
    throw new BenchError(
      'INVALID_CONFIG',
      `${where}: model ${name} gives a sha256 and pin "first-download": keep sha256 when a public record gives it, pin "first-download" otherwise`,
    );
}

function readRecords(file: string): HashRecords {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { version: 1, files: {} };
  }
  try {
    const data = JSON.parse(text) as HashRecords;
    if (data?.version === 1 && data.files && typeof data.files === 'object') return data;
  } catch {
    // said below
  }
  // An unreadable record is never taken as "nothing recorded": that would let a changed file in unnoticed.
  throw new BenchError(
    'INVALID_CONFIG',
    `${file} (the hashes recorded at first download) cannot be read; delete it to record the hashes again at the next download`,
  );
}

/** The hash recorded for this file at its first download here, if any. */
export function recordedHash(recordFile: string, hf: HubSource): FirstDownloadHash | null {
  return readRecords(recordFile).files[recordKey(hf)] ?? null;
}

/** Records (or, accepted on purpose, replaces) the hashes of files first downloaded; written whole then renamed. */
export function recordHashes(recordFile: string, entries: Array<{ hf: HubSource; hash: FirstDownloadHash }>): void {
  if (entries.length === 0) return;
  const records = readRecords(recordFile);
  for (const { hf, hash } of entries) records.files[recordKey(hf)] = hash;
  mkdirSync(dirname(recordFile), { recursive: true });
  const temp = `${recordFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(records, null, 2) + '\n');
  renameSync(temp, recordFile);
}

export interface PackPullOptions extends Pick<
  PullOptions,
  'hubUrl' | 'cacheDir' | 'accessToken' | 'signal' | 'onProgress'
> {
  /** The data folder's record of first-download hashes (firstDownloadRecordFile). */
  recordFile: string;
  /** Take the Hub's file as it is now, replacing the hash recorded at first download (`--accept-new-hash`). */
  acceptNewHash?: boolean;
  /** How the refusal tells the person to accept a changed file (of the model named) on purpose. */
  acceptHint?: (model: string) => string;
}

export interface PulledPackModel extends PulledModel {
  /** The hash to record once the whole install succeeded (first download, or a new hash accepted); null otherwise. */
  record: FirstDownloadHash | null;
  /** The hash recorded before this pull, when the file was held to it. */
  heldTo: FirstDownloadHash | null;
}

/** What the download of `m` must hash to: the pack's sha256, else the one recorded at first download (if any). */
function expectedHash(m: HubPackModel, o: PackPullOptions): { sha256: string | null; held: FirstDownloadHash | null } {
  const hf = m.model.source.hf;
  if (hf.sha256) return { sha256: hf.sha256, held: null };
  const held = o.acceptNewHash ? null : recordedHash(o.recordFile, hf);
  return { sha256: held?.sha256 ?? null, held };
}

/** The refusal of bytes that are not the ones the pin or the record holds the model to. */
function hashRefusal(m: HubPackModel, err: ModelDownloadError, held: FirstDownloadHash | null, o: PackPullOptions) {
  const hf = m.model.source.hf;
  const what = `model ${m.name} of the ${m.pack} pack (${hf.repo}/${hf.file} at ${hf.revision ?? 'main'})`;
  if (!err.changedOnHub) return new ModelDownloadError('HASH_MISMATCH', `${what}: ${err.message}`, err);
  if (held) {
    return new ModelDownloadError(
      'HASH_MISMATCH',
      `${what} changed on the Hub since its first download here (${held.recorded_at}): sha256 ${held.sha256} was recorded then, the Hub's file now has ${err.actual}; refused, nothing was downloaded. If you trust the new file (the publisher re-uploaded it), accept it on purpose: ${o.acceptHint?.(m.name) ?? `collab-desk models pull ${m.name} --accept-new-hash`}, or delete its entry from ${o.recordFile}`,
      err,
    );
  }
  return new ModelDownloadError(
    'HASH_MISMATCH',
    `${what}: the pack expects sha256 ${err.expected} and the Hub's file has ${err.actual}; refused, nothing was downloaded. The file changed on the Hub or the pack's sha256 is wrong: pin the pack to the commit its sha256 was taken from (revision), or correct the sha256 after checking the new file's origin`,
    err,
  );
}

/** The refusal of a GGUF that declares another architecture than the pack says; null when it matches. */
export function architectureProblem(m: { pack: string; name: string; model: PackModel }, declared: string | null) {
  const wanted = m.model.architecture;
  if (!wanted || declared === wanted) return null;
  const src = m.model.source;
  const file = 'hf' in src ? `${src.hf.repo}/${src.hf.file}` : 'generated' in src ? src.generated : src.path;
  const fork = FORK_NAMES[wanted];
  const fix =
    fork && declared !== null && fork.names.includes(declared)
      ? `"${declared}" is another fork's name for it, and mainline llama.cpp does not load such a file: ${fork.fix}`
      : `the pack names the wrong file, or the repository changed it: check the pack's ${m.name} model (a file converted for "${wanted}")`;
  return new BenchError(
    'MODEL_CORRUPT',
    `model ${m.name} of the ${m.pack} pack: ${file} declares general.architecture ${declared === null ? 'nothing' : `"${declared}"`}, but the pack needs "${wanted}"; ${fix}`,
  );
}

/** The architecture a local GGUF declares, with a malformed header said as the model's problem. */
export function fileArchitecture(path: string, name: string): string | null {
  try {
    return ggufFileArchitecture(path);
  } catch (err) {
    throw new BenchError(
      'MODEL_CORRUPT',
      `model ${name}: ${path} has an unreadable GGUF header (${(err as Error).message})`,
    );
  }
}

/**
 * Asks the Hub, before anything is downloaded, whether the file is the one the pack holds it to: its announced sha256
 * against the pin or the record, and the architecture in its first bytes against the pack's. A Hub that cannot be
 * asked is no refusal here: the pull says why, or serves the cached file offline.
 */
export async function preflightPackModel(m: HubPackModel, o: PackPullOptions): Promise<void> {
  const hf = m.model.source.hf;
  const { sha256, held } = expectedHash(m, o);
  // The exact bytes it is held to are here already: the pull serves them without asking the Hub.
  if (sha256 && (await cachedModel({ ...hf, sha256 }, o))) return;
  // The announced sha256 is checked before a byte of the file is fetched.
  const check = (info: { sha256: string | null }) => {
    if (!sha256 || !info.sha256 || info.sha256 === sha256) return;
    const err = new ModelDownloadError('HASH_MISMATCH', 'another sha256 on the Hub', {
      expected: sha256,
      actual: info.sha256,
      changedOnHub: true,
    });
    throw hashRefusal(m, err, held, o);
  };
  let head;
  try {
    head = await remoteFileHead(hf, m.model.architecture ? HEAD_BYTES : 0, o, check);
  } catch (err) {
    if (err instanceof ModelDownloadError && (err.code === 'OFFLINE' || err.code === 'HTTP')) return;
    throw err;
  }
  if (!m.model.architecture) return;
  let declared: string | null;
  try {
    declared = ggufMetadataString(
      (offset, length) => head.head.subarray(offset, offset + length),
      'general.architecture',
    );
  } catch {
    // A header longer than the bytes fetched (GgufTruncated), or a file that is not GGUF: the checks after the
    // download decide, on the whole file.
    return;
  }
  const problem = architectureProblem(m, declared);
  if (problem) throw problem;
}

/**
 * Pulls a pack model into the HF cache held to its pin: the pack's sha256, else the hash recorded at first download
 * (a changed file is refused, naming both hashes and how to accept it). Then checks the architecture its header
 * declares. The hash to record is returned, not written: an install records its files only once all are good.
 */
export async function pullPackModel(m: HubPackModel, o: PackPullOptions): Promise<PulledPackModel> {
  const hf = m.model.source.hf;
  const { sha256, held } = expectedHash(m, o);
  let pulled: PulledModel;
  try {
    pulled = await pullModel(
      {
        repo: hf.repo,
        file: hf.file,
        ...(hf.revision ? { revision: hf.revision } : {}),
        ...(sha256 ? { sha256 } : {}),
        ...(hf.bytes ? { bytes: hf.bytes } : {}),
      },
      o,
    );
  } catch (err) {
    if (err instanceof ModelDownloadError && err.code === 'HASH_MISMATCH') throw hashRefusal(m, err, held, o);
    throw err;
  }
  const problem = architectureProblem(m, m.model.architecture ? fileArchitecture(pulled.path, m.name) : null);
  if (problem) throw problem;
  const record: FirstDownloadHash | null =
    hf.sha256 || held
      ? null
      : {
          sha256: pulled.sha256,
          bytes: pulled.bytes,
          commit: pulled.commit,
          recorded_at: new Date().toISOString(),
          pack: m.pack,
          model: m.name,
        };
  return { ...pulled, record, heldTo: held };
}

/** A pack model whose file is on the Hub, or null for a generated or local one. */
export function hubPackModel(pack: string, name: string, model: PackModel): HubPackModel | null {
  return 'hf' in model.source ? { pack, name, model: model as HubPackModel['model'] } : null;
}
