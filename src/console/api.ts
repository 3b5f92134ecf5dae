// The console's only way to the server: the public v1 API, with the credentials the user entered.
// They live in sessionStorage (gone when the tab closes), never in a cookie or the URL.

const TOKEN_KEY = "millrace.credentials";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field the server named, for showing the message beside it. */
    readonly field: string | null,
  ) {
    super(message);
  }
}

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Calls the API; a non-2xx answer becomes an ApiError carrying the server's code, message and field. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = savedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: unknown = text === "" ? null : JSON.parse(text);
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: { field?: unknown } } } | null)
    ?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : `the server answered ${status}`;
  const field = typeof error?.details?.field === "string" ? error.details.field : null;
  return new ApiError(status, code, message, field);
}

/** `encodeURIComponent` for one path segment. */
export const seg = (value: string) => encodeURIComponent(value);
