// The session's HTTP calls: the hub's self-description (GET /v1) and who the page's token belongs to (GET /v1/me).
import type { HubFeatures, MeResponse } from '@shared/api';
import { hubApi } from '../connection/hub-api';

/** The parts of GET /v1 the dashboard reads. */
export interface HubDescription {
  collab: string;
  goal: string;
  version: string;
  organizer: string;
  score_field: string;
  score_order: 'asc' | 'desc';
  guardrail_field: string | null;
  guardrail_max: number | null;
  features: HubFeatures;
}

export const sessionService = {
  readHub(): Promise<HubDescription> {
    return hubApi.get<HubDescription>('/v1');
  },

  readMe(): Promise<MeResponse> {
    return hubApi.get<MeResponse>('/v1/me');
  },
};
