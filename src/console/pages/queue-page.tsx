import { useState } from "preact/hooks";
import { api, ApiError, seg } from "../api.ts";
import { BacklogChart, RateChart } from "../chart.tsx";
import { ErrorNote } from "../errors.tsx";
import { age, webhookState } from "../format.ts";
import { adopt, history, rates, record, type ServerHistory } from "../history.ts";
import { usePoll } from "../hooks.ts";
import type { Queue } from "../types.ts";
import { MessageBrowser } from "./message-browser.tsx";
import { PublishForm } from "./publish-form.tsx";
import { SettingsForm } from "./settings-form.tsx";

const POLL_MS = 2000;

export function QueuePage({ queue }: { queue: string }) {
  const { data, error, reload } = usePoll(
    async () => {
      const [shown, server] = await Promise.all([
        api<Queue>("GET", `/v1/queues/${seg(queue)}`),
        api<ServerHistory>("GET", `/v1/queues/${seg(queue)}/history`),
      ]);
      record(queue, shown.stats);
      adopt(queue, server);
      return { ...shown, rates: rates(server) };
    },
    POLL_MS,
    [queue],
  );
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const act = async (method: string, path: string, question: string | null) => {
    if (question !== null && !confirm(question)) return;
    try {
      await api(method, path);
      setActionError(null);
    } catch (failure) {
      setActionError(failure as ApiError);
    }
    reload();
  };
  const base = `/v1/queues/${seg(queue)}`;
  return (
    <section aria-labelledby="queue-title">
      <p>
        <a href="#/">← Queues</a>
      </p>
      <div class="bar">
        <h1 id="queue-title">{queue}</h1>
        {data?.paused && <span class="badge">paused</span>}
        {data && (
          <button
            type="button"
            onClick={() =>
              void act(
                "POST",
                `${base}/${data.paused ? "resume" : "pause"}`,
                data.paused
                  ? null
                  : `Pause ${queue}? Receives and webhook delivery stop; publishes are still accepted.`,
              )
            }
          >
            {data.paused ? "Resume" : "Pause"}
          </button>
        )}
        <button
          type="button"
          class="danger"
          onClick={() => void act("POST", `${base}/purge`, `Drop every message of ${queue} that is not dead?`)}
        >
          Purge messages
        </button>
      </div>
      <ErrorNote error={error ?? actionError} />
      {data && (
        <>
          <dl class="stats" aria-label="stats">
            {(["ready", "delayed", "leased", "grouped", "dead"] as const).map((state) => (
              <div key={state}>
                <dt>{state}</dt>
                <dd data-stat={state}>{data.stats[state]}</dd>
              </div>
            ))}
            <div>
              <dt>oldest ready</dt>
              <dd>{age(data.stats.oldestReadyAgeSeconds)}</dd>
            </div>
            <div>
              <dt>webhook</dt>
              <dd>{webhookState(data.deliveryState)}</dd>
            </div>
          </dl>
          <h2>Backlog</h2>
          <BacklogChart samples={history(queue)} width={640} height={180} />
          {data.rates.length > 1 && (
            <>
              <h2>Publish and ack rates</h2>
              <RateChart samples={data.rates} width={640} height={140} />
            </>
          )}
          <div class="columns">
            <SettingsForm queue={data} onSaved={reload} />
            <PublishForm queue={queue} onPublished={reload} />
          </div>
          <MessageBrowser queue={queue} stats={data.stats} onChanged={reload} />
        </>
      )}
    </section>
  );
}
