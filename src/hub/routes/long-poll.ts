// What every wait= route shares: noticing that the client hung up, so its parked request gives its slot back.
import type { FastifyReply } from 'fastify';

/** Aborts when the response closes before it was sent: the client hung up, and its waiter slot is freed at once. */
export function hangUpSignal(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}
