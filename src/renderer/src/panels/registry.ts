// The dashboard's panels, in sidebar order, each with the hub feature it needs: a panel whose feature is off is not shown.
import type { ComponentType } from 'react';
import type { HubFeatures } from '@shared/api';
import { AgentsPanel } from './swarm/AgentsPanel';
import { BoardPanel } from './board/BoardPanel';
import { FrontierPanel } from './frontier/FrontierPanel';
import { JobsPanel } from './jobs/JobsPanel';
import { LeaderboardPanel } from './leaderboard/LeaderboardPanel';
import { ModelsPanel } from './models/ModelsPanel';
import { SettingsPanel } from './settings/SettingsPanel';
import { SyncPanel } from './public-collab/SyncPanel';
import { WorkspacePanel } from './workspace/WorkspacePanel';

export interface PanelDefinition {
  id: string;
  title: string;
  /** Shown only when the hub runs this. */
  feature?: keyof HubFeatures;
  Component: ComponentType<{ rest: string[] }>;
}

export const PANELS: PanelDefinition[] = [
  { id: 'board', title: 'Board', Component: BoardPanel },
  { id: 'leaderboard', title: 'Leaderboard', Component: LeaderboardPanel },
  { id: 'agents', title: 'Agents', feature: 'swarm', Component: AgentsPanel },
  { id: 'jobs', title: 'Jobs', feature: 'jobs', Component: JobsPanel },
  { id: 'workspace', title: 'Workspace', Component: WorkspacePanel },
  { id: 'models', title: 'Models', feature: 'models', Component: ModelsPanel },
  { id: 'sync', title: 'Public collab', feature: 'sync', Component: SyncPanel },
  // The mirror runs beside the sync service (both composition roots start them together).
  { id: 'frontier', title: 'Public frontier', feature: 'sync', Component: FrontierPanel },
  { id: 'settings', title: 'Settings', Component: SettingsPanel },
];

export function visiblePanels(features: HubFeatures | undefined): PanelDefinition[] {
  return PANELS.filter((p) => !p.feature || features?.[p.feature] === true);
}
