import { useState } from "preact/hooks";
import { api, ApiError, forgetToken, saveToken } from "./api.ts";

/**
 * The user pastes an API key or a JWT. It is checked against an endpoint any scope may read
 * (the health detail needs none, so a queue-scoped key is not turned away here), then kept in
 * sessionStorage for this tab only.
 */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    saveToken(token.trim());
    try {
      // 401 for credentials the server does not accept; a missing scope shows on each page instead.
      await api("GET", "/v1/queues?limit=1");
      onSignedIn();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 403) {
        onSignedIn();
        return;
      }
      forgetToken();
      setError(failure instanceof ApiError ? `${failure.code}: ${failure.message}` : String(failure));
    }
  };
  return (
    <main class="sign-in">
      <h1>Millrace console</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="token">API key or JWT</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="help">
          Sent as <code>Authorization: Bearer …</code> to the v1 API and kept in this tab's session storage only. With
          authentication off, any text will do.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
