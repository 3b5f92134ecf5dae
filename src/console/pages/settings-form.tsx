import { useState } from "preact/hooks";
import { api, ApiError, seg } from "../api.ts";
import type { Queue } from "../types.ts";

const FIELDS = [
  ["visibilityTimeoutSeconds", "Visibility timeout (s)"],
  ["maxAttempts", "Max attempts"],
  ["maxMessages", "Max messages (0 = unbounded)"],
  ["retentionSeconds", "Dead-letter retention (s)"],
  ["dedupWindowSeconds", "Dedup window (s)"],
] as const;

type Field = (typeof FIELDS)[number][0];

/**
 * The numeric settings, sent as the API takes them: the server validates, and its message is shown
 * beside the field it names (the same words the API answers with, no second set of rules here).
 */
export function SettingsForm({ queue, onSaved }: { queue: Queue; onSaved: () => void }) {
  const [values, setValues] = useState<Record<Field, string>>(
    () => Object.fromEntries(FIELDS.map(([field]) => [field, String(queue.settings[field])])) as Record<Field, string>,
  );
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const patch = Object.fromEntries(FIELDS.map(([field]) => [field, toNumber(values[field])]));
    try {
      await api("PUT", `/v1/queues/${seg(queue.name)}`, patch);
      setError(null);
      setSaved(true);
      onSaved();
    } catch (failure) {
      setError(failure as ApiError);
    }
  };
  const fieldError = (field: Field) => (error?.field === field ? error.message : null);
  return (
    <form class="panel" onSubmit={(event) => void save(event)} aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      {FIELDS.map(([field, label]) => {
        const message = fieldError(field);
        return (
          <div class="field" key={field}>
            <label for={`setting-${field}`}>{label}</label>
            <input
              id={`setting-${field}`}
              inputMode="numeric"
              value={values[field]}
              aria-invalid={message ? "true" : undefined}
              aria-describedby={message ? `setting-${field}-error` : undefined}
              onInput={(event) => setValues({ ...values, [field]: event.currentTarget.value })}
            />
            {message && (
              <span id={`setting-${field}-error`} class="field-error" role="alert">
                {message}
              </span>
            )}
          </div>
        );
      })}
      {error && !FIELDS.some(([field]) => field === error.field) && (
        <p class="error" role="alert">
          {error.code}: {error.message}
        </p>
      )}
      <button type="submit">Save settings</button>
      {saved && <span role="status"> Saved.</span>}
    </form>
  );
}

/** A number when the text is one, else the text itself, so the API names the field and the fix. */
function toNumber(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}
