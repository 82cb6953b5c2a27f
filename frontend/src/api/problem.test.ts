import { describe, expect, it } from 'vitest';
import { fakeBackend, json, problem } from '../test/fakeApi';
import { ApiError, unwrap } from './problem';

describe('unwrap', () => {
  it('returns the data of a 2xx answer', async () => {
    const { client } = fakeBackend({ 'GET /health': () => json(200, { status: 'ok', version: '1', database: true }) });
    await expect(unwrap(client.GET('/health'))).resolves.toEqual({ status: 'ok', version: '1', database: true });
  });

  it("throws the problem's detail for an HTTP error", async () => {
    const { client } = fakeBackend({ 'GET /instance': () => problem(503, 'Unavailable', 'not initialised yet') });
    const error = await unwrap(client.GET('/instance')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, message: 'not initialised yet' });
  });

  it('falls back to the title, then to the status, when there is no detail', async () => {
    const { client } = fakeBackend({
      'GET /instance': () => problem(500, 'Internal Server Error'),
      'GET /events': () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    });
    await expect(unwrap(client.GET('/instance'))).rejects.toMatchObject({ message: 'Internal Server Error' });
    await expect(unwrap(client.GET('/events'))).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/HTTP 502 Bad Gateway/),
    });
  });

  it('says the server cannot be reached when fetch fails', async () => {
    const { client } = fakeBackend({
      'GET /health': () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(unwrap(client.GET('/health'))).rejects.toMatchObject({
      status: 0,
      message: expect.stringMatching(/could not reach/i),
    });
  });
});
