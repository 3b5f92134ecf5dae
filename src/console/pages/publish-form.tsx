import { useState } from "preact/hooks";
import { api, ApiError, seg } from "../api.ts";
import { parseJsonField } from "../format.ts";

export function PublishForm({ queue, onPublished }: { queue: string; onPublished: () => void }) {
  const [body, setBody] = useState('{\n  "hello": "world"\n}');
  const [headers, setHeaders] = useState("{}");
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const [published, setPublished] = useState<string | null>(null);
  const publish = async (event: Event) => {
    event.preventDefault();
    setPublished(null);
    const parsedBody = parseJsonField(body, "body");
    const parsedHeaders = parseJsonField(headers, "headers");
    if (!parsedBody.ok) return setError({ field: "body", message: parsedBody.error });
    if (!parsedHeaders.ok) return setError({ field: "headers", message: parsedHeaders.error });
    try {
      const result = await api<{ id: string }>("POST", `/v1/queues/${seg(queue)}/messages`, {
        body: parsedBody.value,
        headers: parsedHeaders.value,
      });
      setError(null);
      setPublished(result.id);
      onPublished();
    } catch (failure) {
      const apiError = failure as ApiError;
      setError({ field: apiError.field, message: `${apiError.code}: ${apiError.message}` });
    }
  };
  const errorFor = (field: string) =>
    error?.field === field ? (
      <span id={`publish-${field}-error`} class="field-error" role="alert">
        {error.message}
      </span>
    ) : null;
  return (
    <form class="panel" onSubmit={(event) => void publish(event)} aria-labelledby="publish-title">
      <h2 id="publish-title">Publish a test message</h2>
      <div class="field">
        <label for="publish-body">Body (JSON)</label>
        <textarea id="publish-body" rows={5} value={body} onInput={(event) => setBody(event.currentTarget.value)} />
        {errorFor("body")}
      </div>
      <div class="field">
        <label for="publish-headers">Headers (JSON object of strings)</label>
        <input id="publish-headers" value={headers} onInput={(event) => setHeaders(event.currentTarget.value)} />
        {errorFor("headers")}
      </div>
      {error && error.field !== "body" && error.field !== "headers" && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      <button type="submit">Publish</button>
      {published && (
        <span role="status">
          {" "}
          Published <a href={`#/queues/${seg(queue)}/messages/${seg(published)}`}>{published}</a>
        </span>
      )}
    </form>
  );
}
