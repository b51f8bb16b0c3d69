// Checking a run configuration against its schema, apart from the schema itself so the dashboard (which reads only
// the schema) does not carry TypeBox's value checker.
import { Value } from 'typebox/value';
import { RunConfigSchema, UNQUANTIZED_CACHE_TYPES, type RunConfig } from './run-config';

/**
 * Fills defaults and checks a configuration; a refusal names the unknown settings or the first bad one.
 * One definition for the hub (job submissions) and the engine (runs), so both refuse the same things alike.
 */
export function checkRunConfig(config: unknown): { config: RunConfig; error: null } | { config: null; error: string } {
  const filled = Value.Default(RunConfigSchema, structuredClone(config)) as RunConfig;
  const errors = [...Value.Errors(RunConfigSchema, filled)];
  if (errors.length > 0) {
    // An unknown key shows up as a 'false schema' at its own path, plus an additionalProperties error on the object.
    const unknown = [
      ...new Set(
        errors.flatMap(
          (e) => (e.params as { additionalProperties?: string[] } | undefined)?.additionalProperties ?? [],
        ),
      ),
    ];
    if (unknown.length > 0)
      return { config: null, error: `unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` };
    const e = errors[0]!;
    return { config: null, error: `${e.instancePath.replace(/^\//, '') || 'config'}: ${e.message}` };
  }
  if ((filled.spec_type === 'draft' || filled.spec_type === 'draft-mtp') && !filled.draft) {
    return { config: null, error: `spec_type ${filled.spec_type} needs a draft model (draft)` };
  }
  // llama.cpp refuses to create such a context; saying so here spares a job slot and names the fix.
  if (filled.flash_attn === 'off') {
    const quantizedV = (
      filled.draft ? (['cache_type_v', 'draft_cache_type_v'] as const) : (['cache_type_v'] as const)
    ).find((k) => !UNQUANTIZED_CACHE_TYPES.includes(filled[k] ?? 'f16'));
    if (quantizedV)
      return {
        config: null,
        error: `${quantizedV} ${filled[quantizedV]} is a quantized V cache, which llama.cpp runs only with flash attention: set flash_attn to on or auto, or ${quantizedV} to f16`,
      };
  }
  return { config: filled, error: null };
}
