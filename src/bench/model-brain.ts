// Whether an installed GGUF can be an agent's brain (a chat model: a chat template, not a drafter, not a generated
// random-weight model), read from its header once per file version; and which of those to recommend first.
import { stat } from 'node:fs/promises';
import type { AgentBrain, AvailableModel, InstalledModel, ModelFit, RecommendedBrain } from '../shared/models';
import { ggufFileMetadataStrings } from '../platform/gguf-file';
import { isGeneratedModelName } from '../platform/gguf-types';

const WANTED = ['general.architecture', 'general.name', 'tokenizer.chat_template'] as const;
export type Header = Record<(typeof WANTED)[number], string | null>;

/** general.architecture, general.name and tokenizer.chat_template of a GGUF, in one walk of its header. */
function readHeader(path: string): Header {
  return ggufFileMetadataStrings(path, WANTED);
}

/** The family of a chat template, by the turn markers it writes (what node-llama-cpp's chat wrappers key on too). */
export function chatFormat(template: string): string {
  if (template.includes('<|turn>')) return 'gemma4';
  if (template.includes('<start_of_turn>')) return 'gemma';
  if (template.includes('<|im_start|>')) return 'chatml';
  if (template.includes('<|start_header_id|>')) return 'llama3';
  if (template.includes('<|channel|>')) return 'harmony';
  if (template.includes('[INST]')) return 'mistral';
  return 'custom';
}

/** A drafter predicts tokens for a target it is paired with: gemma4-assistant, *_mtp, *-mtp. */
const DRAFTER = /(-|_)assistant$|(^|[-_])mtp($|[-_])/i;

/** What a header says about a model as an agent's brain. */
export function judgeBrain(header: Header): AgentBrain {
  const architecture = header['general.architecture'];
  const name = header['general.name'];
  const template = header['tokenizer.chat_template'];
  const no = (why: string): AgentBrain => ({ ok: false, why, architecture, chat_format: null });
  if (architecture && DRAFTER.test(architecture))
    return no(
      `a drafter (${architecture}): it proposes tokens for its target model to check and cannot hold a conversation on its own`,
    );
  if (architecture === 'clip')
    return no('a vision projector (clip): it feeds images to a chat model and cannot hold a conversation on its own');
  if (name && isGeneratedModelName(name))
    return no(
      'a generated demo model with random weights: what it writes is noise (fine for trying the swarm, not for thinking)',
    );
  if (!template)
    return no(
      'no chat template in its metadata (tokenizer.chat_template): a base or embedding model, which agents cannot hold a conversation with',
    );
  return { ok: true, why: null, architecture, chat_format: chatFormat(template) };
}

/**
 * Headers read, by path, for the file version they were read from (size and mtime): a listing reads each file once,
 * and again only when it changed.
 */
export class BrainCache {
  private readonly known = new Map<string, { size: number; mtimeMs: number; brain: AgentBrain }>();

  async brain(path: string): Promise<AgentBrain> {
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) return { ok: false, why: 'the file cannot be read', architecture: null, chat_format: null };
    const seen = this.known.get(path);
    if (seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs) return seen.brain;
    let brain: AgentBrain;
    try {
      brain = judgeBrain(readHeader(path));
    } catch (err) {
      brain = {
        ok: false,
        why: `its GGUF header cannot be read (${(err as Error).message})`,
        architecture: null,
        chat_format: null,
      };
    }
    this.known.set(path, { size: st.size, mtimeMs: st.mtimeMs, brain });
    return brain;
  }
}

const FIT_ORDER: Record<ModelFit['verdict'], number> = { vram: 0, ram: 1, 'too-big': 2 };

/**
 * The installed models agents can think with, best first: a target a challenge pack names (gemma-4-E4B-it for the
 * gemma pack, picked for agents and the challenge alike), then what runs fastest here (in VRAM before RAM), then the
 * larger (more capable) model. Models larger than the memory are left out.
 */
export function recommendBrains(
  installed: InstalledModel[],
  packTargets: Pick<AvailableModel, 'pack' | 'repo' | 'file' | 'role'>[],
  fitOf: (bytes: number) => ModelFit,
): RecommendedBrain[] {
  const targetOf = (m: InstalledModel): string | null => {
    const inPack = m.used_by.find((u) => u.kind === 'pack' && u.label.endsWith('(target)'));
    if (inPack) return `the installed ${inPack.label.split(':')[0]!}`;
    const shipped = packTargets.find((t) => t.role === 'target' && t.repo === m.repo && t.file === m.file);
    return shipped ? `the ${shipped.pack} pack` : null;
  };
  return installed
    .filter((m) => m.brain.ok)
    .map((m) => ({ m, pack: targetOf(m), fit: fitOf(m.bytes) }))
    .filter((r) => r.fit.verdict !== 'too-big')
    .sort(
      (a, b) =>
        Number(b.pack !== null) - Number(a.pack !== null) ||
        FIT_ORDER[a.fit.verdict] - FIT_ORDER[b.fit.verdict] ||
        b.m.bytes - a.m.bytes,
    )
    .map(({ m, pack, fit }) => ({
      id: m.id,
      reason: [
        pack ? `the target of ${pack}` : null,
        `a ${m.brain.chat_format} chat model`,
        fit.verdict === 'vram' ? 'fits in VRAM' : 'fits in RAM (CPU offload)',
      ]
        .filter(Boolean)
        .join('; '),
      fit,
    }));
}
