// The shipped challenge packs and installing one from the dashboard: the contract between the bench (which installs)
// and the hub (which serves GET /v1/packs and POST /v1/packs/install to the organizer).
import { Type, type Static } from 'typebox';
import { Closed, Nullable } from './response-schema';

/** A model a shipped pack needs: made on this machine (the demo's generated models) or downloaded from the Hub. */
export const ShippedPackModel = Closed({
  name: Type.String(),
  role: Type.String({ description: 'target or draft' }),
  source: Type.Union([Type.Literal('generated'), Type.Literal('hf'), Type.Literal('path')]),
  repo: Nullable(Type.String()),
  file: Nullable(Type.String()),
});
export type ShippedPackModel = Static<typeof ShippedPackModel>;

export const ShippedPack = Closed({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  goal: Nullable(Type.String()),
  models: Type.Array(ShippedPackModel),
  downloads: Type.Boolean({
    description: 'installing it downloads models from the Hugging Face Hub (false: everything is made here)',
  }),
  installed: Type.Boolean({ description: 'it is the challenge this hub hosts now' }),
});
export type ShippedPack = Static<typeof ShippedPack>;

export const PackInstallState = Type.Union([
  Type.Literal('idle'),
  Type.Literal('installing'),
  Type.Literal('installed'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export type PackInstallState = Static<typeof PackInstallState>;

/** The one install this hub runs at a time: what it does now, its download, and how it ended. */
export const PackInstall = Closed({
  state: PackInstallState,
  pack: Nullable(Type.String()),
  step: Nullable(Type.String({ description: 'what it does now, in words: generating, downloading, calibrating' })),
  download: Nullable(
    Closed({
      model: Type.String(),
      bytes: Type.Integer(),
      total: Nullable(Type.Integer()),
    }),
  ),
  error: Nullable(Type.String({ description: 'why it failed, and what to do' })),
  started_at: Nullable(Type.String()),
  ended_at: Nullable(Type.String()),
});
export type PackInstall = Static<typeof PackInstall>;

export const PacksInfo = Closed({ packs: Type.Array(ShippedPack), install: PackInstall });
export type PacksInfo = Static<typeof PacksInfo>;

export const InstallPackBody = Type.Object(
  {
    pack: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[a-z0-9][a-z0-9-]*$',
      description: 'a shipped pack id',
    }),
    downloads: Type.Optional(
      Type.Boolean({
        description: "the user's yes to downloading the pack's models (required when the pack downloads anything)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type InstallPackBody = Static<typeof InstallPackBody>;

/**
 * Runs `work` holding the machine (the hub's GPU lease, named after `what`), giving it back however it ends; `signal`
 * stops a wait for it.
 */
export type MachineHold = <T>(what: string, work: () => Promise<T>, signal: AbortSignal) => Promise<T>;

/** Installs shipped packs into the hub's data folder: the bench implements it, the composition roots hand it over. */
export interface PackInstaller {
  shipped(installedPackId: string | null): ShippedPack[];
  status(): PackInstall;
  /**
   * Starts an install (refused while one runs); `onChange` hears every change of it until it ends. `holdMachine` runs
   * the calibration (a benchmark on this machine) holding the hub's GPU lease, so local inference pauses while it
   * measures; the download does not hold it.
   */
  install(packId: string, onChange: (install: PackInstall) => void, holdMachine?: MachineHold): PackInstall;
  cancel(): PackInstall;
  close(): Promise<void>;
}
