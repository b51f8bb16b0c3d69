// Whether a GGUF file of a given size fits this machine: all in VRAM, spilling into RAM (CPU offload), or larger than RAM.
import type { ModelFit, SystemInfo } from '../shared/models';

const GiB = 2 ** 30;

/**
 * Loading a GGUF takes about its file size (the weights) plus the KV cache and compute buffers. Those grow with the
 * context and the model's shape, which the file size alone does not tell: about a tenth of the weights plus half a
 * GiB covers a modest context, and the wording says "about".
 */
export function neededBytes(fileBytes: number): number {
  return Math.round(fileBytes * 1.1 + GiB / 2);
}

/** Sizes as the dashboard shows them (binary units), so the hint's figures match the panel's. */
function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Where a model of `fileBytes` would run on the machine `system` describes, with the figures in words. */
export function modelFit(fileBytes: number, system: Pick<SystemInfo, 'memory' | 'gpu'>): ModelFit {
  const needed = neededBytes(fileBytes);
  const ram = system.memory.total_bytes;
  const gpus = system.gpu.devices.filter((d) => d.vram_bytes !== null);
  // llama.cpp splits a model's layers over every GPU it sees, so their memory adds up.
  const vram = gpus.length > 0 ? gpus.reduce((sum, d) => sum + d.vram_bytes!, 0) : null;
  const vramFree = gpus.every((d) => d.vram_free_bytes !== null)
    ? gpus.reduce((sum, d) => sum + d.vram_free_bytes!, 0)
    : null;
  const estimate = `needs about ${human(needed)} (the ${human(fileBytes)} file plus the KV cache and buffers at a modest context; a long context needs more)`;
  const gpuWords =
    vram !== null
      ? `VRAM ${human(vram)}${vramFree !== null ? ` (${human(vramFree)} free now)` : ''}`
      : system.gpu.state === 'detecting'
        ? 'the GPU is still being detected'
        : 'no GPU memory found';
  const machine = `${gpuWords}; RAM ${human(ram)}`;
  let verdict: ModelFit['verdict'];
  let words: string;
  if (vram !== null && needed <= vram) {
    verdict = 'vram';
    words = 'fits in VRAM: every layer can run on the GPU';
  } else if (needed <= ram + (vram ?? 0)) {
    verdict = 'ram';
    words =
      vram !== null
        ? 'larger than VRAM: the layers that do not fit there run on the CPU from RAM (slower)'
        : 'runs on the CPU from RAM';
  } else {
    verdict = 'too-big';
    words = `larger than RAM${vram !== null ? ' and VRAM together' : ''}: it would page from disk, very slowly, if it loads at all`;
  }
  return {
    verdict,
    needed_bytes: needed,
    vram_bytes: vram,
    ram_bytes: ram,
    detail: `It ${estimate}; ${words}. This machine: ${machine}.`,
    provisional: system.gpu.state === 'detecting',
  };
}
