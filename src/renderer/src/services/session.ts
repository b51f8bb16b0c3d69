// The session's HTTP calls: the hub's self-description (GET /v1) and who the page's token belongs to (GET /v1/me).
import type { HubDescription, MeResponse } from '@shared/api';
import { hub } from '../connection/hub-api';

export const sessionService = {
  readHub(): Promise<HubDescription> {
    return hub.describe();
  },

  readMe(): Promise<MeResponse> {
    return hub.me();
  },
};
