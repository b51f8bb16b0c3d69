// Posting to the board: the post, then the record read back into the list and the open thread at once.
import type { MessageCreated } from '@shared/api';
import { boardService, type PostRequest } from '../services/board';
import { useBoardMessages } from './board-messages-store';
import { useBoardThread } from './board-thread-store';

export type { PostRequest } from '../services/board';

/** Posts; throws the hub's refusal for the composer to show. */
export async function postToBoard(request: PostRequest): Promise<MessageCreated> {
  const created = await boardService.post(request);
  // The event stream brings it too; reading it now shows it at once even if the stream lags.
  try {
    const record = await boardService.readMessage(created.filename);
    useBoardMessages.getState().receive(record);
    useBoardThread.getState().receive(record);
  } catch {
    // The live event will bring it.
  }
  return created;
}
