// The models' HTTP calls: the installed models and downloads, pulling one, cancelling a download, deleting a model.
import type { DownloadInfo, ModelsInfo, PullModelBody } from '@shared/models';
import { hub } from '../connection/hub-api';

export const modelsService = {
  read(): Promise<ModelsInfo> {
    return hub.models();
  },

  async pull(body: PullModelBody): Promise<DownloadInfo> {
    return (await hub.pullModel(body)).download;
  },

  async cancelDownload(downloadId: string): Promise<DownloadInfo> {
    return (await hub.cancelDownload(downloadId)).download;
  },

  /** Deletes an installed model (`force`: even while a job or the swarm uses it); answers with the bytes freed. */
  async remove(modelId: string, force: boolean): Promise<number> {
    return (await hub.deleteModel(modelId, force)).freed_bytes;
  },
};
