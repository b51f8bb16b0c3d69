// The models' HTTP calls: the installed models and downloads, pulling one, cancelling a download, deleting a model.
import type { DownloadInfo, ModelsInfo, PullModelBody } from '@shared/models';
import { hubApi } from '../connection/hub-api';

const enc = encodeURIComponent;

export const modelsService = {
  read(): Promise<ModelsInfo> {
    return hubApi.get<ModelsInfo>('/v1/models');
  },

  async pull(body: PullModelBody): Promise<DownloadInfo> {
    return (await hubApi.post<{ download: DownloadInfo }>('/v1/models/pull', body)).download;
  },

  async cancelDownload(downloadId: string): Promise<DownloadInfo> {
    return (await hubApi.delete<{ download: DownloadInfo }>(`/v1/models/downloads/${enc(downloadId)}`)).download;
  },

  /** Deletes an installed model (`force`: even while a job or the swarm uses it); answers with the bytes freed. */
  async remove(modelId: string, force: boolean): Promise<number> {
    return (await hubApi.delete<{ freed_bytes: number }>(`/v1/models/${enc(modelId)}${force ? '?force=true' : ''}`)).freed_bytes;
  },
};
