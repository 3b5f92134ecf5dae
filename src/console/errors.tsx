import type { ApiError } from "./api.ts";

/** An API refusal as the page shows it; 403 says which scope is missing rather than failing quietly. */
export function ErrorNote({ error }: { error: ApiError | null }) {
  if (!error) return null;
  const hint =
    error.status === 403
      ? "These credentials may not do this; ask for a key with the scope named above."
      : error.status === 401
        ? "Sign out and sign in again with valid credentials."
        : "";
  return (
    <p class="error" role="alert">
      <strong>{error.code}</strong>: {error.message}
      {hint && <span class="hint">{hint}</span>}
    </p>
  );
}
