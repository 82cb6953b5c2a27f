import type { Problem } from './client';
import { t } from '../i18n';

/** An API failure with a readable message (the problem `detail` when the server sent one). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(status: number, message: string, problem?: Problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.title === 'string' && typeof v.status === 'number';
}

/** Builds the ApiError for a non-2xx response from its (parsed) body. */
export function apiErrorFrom(response: Response, body: unknown): ApiError {
  if (isProblem(body)) {
    return new ApiError(response.status, body.detail || body.title, body);
  }
  const text = typeof body === 'string' && body.trim() !== '' ? `: ${body.trim().slice(0, 200)}` : '';
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(response.status, t('common:problem.http', { status: response.status, rest: `${statusText}${text}` }));
}

type FetchResult<D, E> = { data?: D; error?: E; response: Response };


/** Awaits an openapi-fetch call, turning a network failure into a readable ApiError (status 0). */
export async function send<R>(call: Promise<R>): Promise<R> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, t('common:problem.unreachable'));
  }
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError: the problem
 * body's `detail` for HTTP errors, a readable message when the server cannot be reached.
 */
export async function unwrap<D, E>(call: Promise<FetchResult<D, E>>): Promise<D> {
  const result = await send(call);
  if (!result.response.ok) throw apiErrorFrom(result.response, result.error);
  return result.data as D;
}

/** The text to show for any error a query or mutation ended with. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return t('common:problem.generic');
}
