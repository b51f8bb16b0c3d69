// The one place refusals become answers: the hub's and its seams' coded errors keep their meaning on the wire; a
// client error from a call the hub made itself, and an INTERNAL, are the hub's own failure.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HubClientError } from '../../../src/shared/hub-error';
import { ModelLibraryError } from '../../../src/shared/models';
import { SwarmError } from '../../../src/shared/swarm';
import { CodedError } from '../../../src/shared/errors';
import { installErrorHandling } from '../../../src/hub/error-handler';
import { HubError } from '../../../src/hub/hub-error';

async function answerTo(error: Error): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  app.get('/x', async () => {
    throw error;
  });
  const res = await app.inject({ method: 'GET', url: '/x' });
  await app.close();
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

describe('the error handler', () => {
  it("answers the hub's refusal with its code, status, hint and headers", async () => {
    const res = await answerTo(
      new HubError('RATE_LIMITED', 'too many posts', 'retry after 3 s', { 'Retry-After': '3' }),
    );
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: 'too many posts', hint: 'retry after 3 s' } });
    expect(res.headers['retry-after']).toBe('3');
  });

  it("answers the seams' refusals (model library, swarm) as they are", async () => {
    const model = await answerTo(new ModelLibraryError('MODEL_IN_USE', 'the agents use this model', 'stop them first'));
    expect(model.status).toBe(409);
    expect(model.body.error).toEqual({
      code: 'MODEL_IN_USE',
      message: 'the agents use this model',
      hint: 'stop them first',
    });
    const swarm = await answerTo(new SwarmError('SANDBOX_UNAVAILABLE', 'no sandbox starts here', 'install bubblewrap'));
    expect(swarm.status).toBe(409);
    expect(swarm.body.error.code).toBe('SANDBOX_UNAVAILABLE');
  });

  it("does not pass on a client's refusal from a call the hub made itself: that is the hub's failure", async () => {
    const res = await answerTo(new HubClientError(401, 'UNAUTHORIZED', 'the token is not valid', 'register again'));
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.error.message).not.toContain('token');
  });

  it('answers an INTERNAL or an unknown code as the hub failing, not with the words it carried', async () => {
    for (const err of [
      new CodedError('INTERNAL', 'disk path /secret/x'),
      new CodedError<string>('NEWER_CODE', 'from the future'),
    ]) {
      const res = await answerTo(err);
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('INTERNAL');
      expect(res.body.error.message).not.toMatch(/secret|future/);
    }
  });
});
