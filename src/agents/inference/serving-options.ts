// How the inference host serves its model: the options the parent starts the child with and the child's server reads.

/** One shape on both sides of the process boundary, so a flag the parent passes is one the child understands. */
export interface ServingOptions {
  /** Path of the GGUF model file. */
  model: string;
  /** Concurrent generations (sequences of the one context). Default 4. */
  sequences?: number;
  /** 0 = any free port. */
  port?: number;
  /** CPU threads; default: every core but one (see `inferenceThreads`). */
  threads?: number;
  gpuLayers?: number | 'auto';
  /** Tokens per sequence; default: as much as fits, up to 16384 (node-llama-cpp sizes it to the memory). */
  contextSize?: number;
  /** How long a pause lets running generations finish before it interrupts them. Default 5 s. */
  pauseGraceMs?: number;
  /** How long a request may wait for a sequence (queue or pause) before a 503. Default 30 min. */
  maxWaitMs?: number;
  /**
   * llama-server decodes, one slot per sequence, when given (built from the bundled source, see
   * src/bench/serving-tools.ts); node-llama-cpp then only renders prompts, tokenizes and builds grammars. Without it
   * node-llama-cpp's context decodes.
   */
  llamaServer?: { binary: string; bins: string };
}
