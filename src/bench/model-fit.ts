// Whether a GGUF file of a given size fits this machine: all in VRAM, spilling into RAM (CPU offload), or larger than RAM.
import { formatBytes } from '../shared/bytes';
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

/**
 * The share of RAM a model may take: the OS and the programs already running keep some, so "fits in RAM" is measured
 * against about 85% of it rather than all of it.
 */
const USABLE_RAM_SHARE = 0.85;

/**
 * On unified memory (Apple silicon) the GPU shares the RAM, and Metal lets one process put about 2/3 of it on the GPU
 * (about 3/4 on machines with more than 36 GiB): its recommendedMaxWorkingSetSize, which the hint assumes rather
 * than asks.
 */
function metalShare(ram: number): { share: number; words: string } {
  return ram > 36 * GiB ? { share: 3 / 4, words: '3/4' } : { share: 2 / 3, words: '2/3' };
}

/**
 * Whether the GPU shares the RAM: llama.cpp's Metal backend, or Apple silicon, whose probe reports the RAM as the
 * GPU's memory (gpu-probe), which must then not be counted twice.
 */
function unifiedMemory(system: Pick<SystemInfo, 'platform' | 'arch' | 'backend'>): boolean {
  return system.backend.flavor === 'metal' || (system.platform === 'darwin' && system.arch === 'arm64');
}

/** Where a model of `fileBytes` would run on the machine `system` describes, with the figures in words. */
export function modelFit(
  fileBytes: number,
  system: Pick<SystemInfo, 'memory' | 'gpu' | 'platform' | 'arch' | 'backend'>,
): ModelFit {
  const needed = neededBytes(fileBytes);
  const ram = system.memory.total_bytes;
  const usableRam = Math.round(ram * USABLE_RAM_SHARE);
  const provisional = system.gpu.state === 'detecting';
  const estimate = `needs about ${formatBytes(needed)} (the ${formatBytes(fileBytes)} file plus the KV cache and buffers at a modest context; a long context needs more)`;
  const fit = (verdict: ModelFit['verdict'], vram: number | null, words: string, machine: string): ModelFit => ({
    verdict,
    needed_bytes: needed,
    vram_bytes: vram,
    ram_bytes: ram,
    detail: `It ${estimate}; ${words}. This machine: ${machine}.`,
    provisional,
  });
  const tooBig = 'it would page from disk, very slowly, if it loads at all';
  const ramWords = `RAM ${formatBytes(ram)}, about ${formatBytes(usableRam)} of it left beside the OS and other programs (assumed 85%)`;

  if (unifiedMemory(system)) {
    // One pool: what the GPU may use is a share of the RAM, never RAM and "VRAM" added up.
    const metal = metalShare(ram);
    const gpuShare = Math.round(ram * metal.share);
    const machine = `unified memory ${formatBytes(ram)}, shared by the CPU and the GPU; Metal lets the GPU use about ${formatBytes(gpuShare)} of it (assumed ${metal.words} of the RAM), and about ${formatBytes(usableRam)} is left beside the OS and other programs (assumed 85%)`;
    if (needed <= gpuShare)
      return fit(
        'vram',
        gpuShare,
        "fits in the GPU's share of the unified memory: every layer can run on the GPU",
        machine,
      );
    if (needed <= usableRam)
      return fit(
        'ram',
        gpuShare,
        "larger than the GPU's share of the unified memory: the layers beyond it run on the CPU (slower)",
        machine,
      );
    return fit(
      'too-big',
      gpuShare,
      `larger than the unified memory left beside the OS and other programs: ${tooBig}`,
      machine,
    );
  }

  const devices = system.gpu.devices;
  // llama.cpp splits a model's layers over every GPU it sees, so their memory adds up; one of unknown size leaves
  // the sum unknown.
  const vramKnown = devices.length > 0 && devices.every((d) => d.vram_bytes !== null);
  const vram = vramKnown ? devices.reduce((sum, d) => sum + d.vram_bytes!, 0) : null;
  const vramFree =
    vramKnown && devices.every((d) => d.vram_free_bytes !== null)
      ? devices.reduce((sum, d) => sum + d.vram_free_bytes!, 0)
      : null;

  if (vram !== null) {
    const machine = `VRAM ${formatBytes(vram)}${vramFree !== null ? ` (${formatBytes(vramFree)} free now)` : ''}; ${ramWords}`;
    if (needed <= vram) return fit('vram', vram, 'fits in VRAM: every layer can run on the GPU', machine);
    if (needed <= vram + usableRam)
      return fit(
        'ram',
        vram,
        'larger than VRAM: the layers that do not fit there run on the CPU from RAM (slower)',
        machine,
      );
    return fit('too-big', vram, `larger than VRAM and the RAM left beside other programs together: ${tooBig}`, machine);
  }

  if (devices.length > 0) {
    // A GPU is there (a Vulkan device, say) but its memory is not known: it may hold some layers or all of them.
    const machine = `GPU memory unknown (${devices.map((d) => d.name).join(', ')}); ${ramWords}`;
    if (needed <= usableRam)
      return fit(
        'ram',
        null,
        'fits in RAM; how much of it the GPU can hold is unknown, so it may run partly or wholly on the GPU',
        machine,
      );
    return fit(
      'too-big',
      null,
      `larger than the RAM left beside other programs; unless the GPU (memory unknown) holds the rest, ${tooBig}`,
      machine,
    );
  }

  const machine = `${provisional ? 'the GPU is still being detected' : 'no GPU found'}; ${ramWords}`;
  if (needed <= usableRam) return fit('ram', null, 'runs on the CPU from RAM', machine);
  return fit('too-big', null, `larger than the RAM left beside the OS and other programs: ${tooBig}`, machine);
}
