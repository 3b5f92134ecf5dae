import { api, seg } from "../api.ts";
import { ErrorNote } from "../errors.tsx";
import { bodyText } from "../format.ts";
import { usePoll } from "../hooks.ts";
import type { MessageDetail } from "../types.ts";

export function MessagePage({ queue, id }: { queue: string; id: string }) {
  const { data, error } = usePoll(
    () => api<MessageDetail>("GET", `/v1/queues/${seg(queue)}/messages/${seg(id)}`),
    3000,
    [queue, id],
  );
  return (
    <section aria-labelledby="message-title">
      <p>
        <a href={`#/queues/${seg(queue)}`}>← {queue}</a>
      </p>
      <h1 id="message-title">Message {id}</h1>
      <ErrorNote error={error} />
      {data && (
        <>
          <dl class="details">
            <dt>State</dt>
            <dd data-field="state">{data.state}</dd>
            <dt>Attempts</dt>
            <dd data-field="attempts">{data.attempts}</dd>
            <dt>Priority</dt>
            <dd>{data.priority}</dd>
            <dt>Group</dt>
            <dd>{data.groupId ?? "—"}</dd>
            <dt>Enqueued</dt>
            <dd>{data.enqueuedAt}</dd>
            <dt>Available</dt>
            <dd>{data.availableAt}</dd>
            <dt>Lease expires</dt>
            <dd>{data.leaseExpiresAt ?? "—"}</dd>
            <dt>Dead since</dt>
            <dd>{data.deadAt ?? "—"}</dd>
            <dt>Last error</dt>
            <dd data-field="lastError">{data.lastError ?? "—"}</dd>
          </dl>
          <h2>{data.bodyBase64 !== undefined ? "Body (base64)" : "Body (JSON)"}</h2>
          <pre class="body" tabIndex={0}>
            {bodyText(data)}
          </pre>
          <h2>Headers</h2>
          <pre class="body" tabIndex={0}>
            {JSON.stringify(data.headers, null, 2)}
          </pre>
          <h2>Webhook attempts</h2>
          {data.deliveryAttempts.length === 0 ? (
            <p>None.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    #
                  </th>
                  <th scope="col">At</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" class="num">
                    Status
                  </th>
                  <th scope="col" class="num">
                    ms
                  </th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {data.deliveryAttempts.map((attempt) => (
                  <tr key={attempt.attempt}>
                    <td class="num">{attempt.attempt}</td>
                    <td>{attempt.at}</td>
                    <td>{attempt.outcome}</td>
                    <td class="num">{attempt.status ?? "—"}</td>
                    <td class="num">{Math.round(attempt.durationMs)}</td>
                    <td>{attempt.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
