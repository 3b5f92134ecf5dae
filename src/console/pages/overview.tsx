import { useState } from "preact/hooks";
import { api, type ApiError, seg } from "../api.ts";
import { BacklogChart } from "../chart.tsx";
import { ErrorNote } from "../errors.tsx";
import { afterForPrefix, age, webhookState } from "../format.ts";
import { adopt, history, record, type ServerHistory } from "../history.ts";
import { usePoll } from "../hooks.ts";
import type { Queue } from "../types.ts";
import { Pager, useCursorStack } from "../pager.tsx";

const PAGE_SIZE = 50;
const POLL_MS = 3000;
/** Queues whose server history this tab has fetched once already. */
const seeded = new Set<string>();

/**
 * Every queue the credentials may see, one server-side page at a time (so 10,000 queues cost one
 * page of stats per poll), with a search that jumps to a name prefix.
 */
export function Overview() {
  const pages = useCursorStack();
  const [prefix, setPrefix] = useState("");
  const { after } = pages;
  const { data, error } = usePoll(
    async () => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (after !== null) query.set("after", after);
      const page = await api<{ queues: Queue[]; nextCursor: string | null }>("GET", `/v1/queues?${query}`);
      for (const queue of page.queues) record(queue.name, queue.stats);
      // A queue's sparkline starts from the server's last hour; later polls append to it.
      const fresh = page.queues.filter((queue) => !seeded.has(queue.name));
      await Promise.all(
        fresh.map(async (queue) => {
          seeded.add(queue.name);
          // Without it the sparkline just starts empty, as before; the table matters more.
          const server = await api<ServerHistory>("GET", `/v1/queues/${seg(queue.name)}/history`).catch(() => null);
          if (server) adopt(queue.name, server);
        }),
      );
      return page;
    },
    POLL_MS,
    [after],
  );
  const shown = data?.queues.filter((queue) => queue.name.startsWith(prefix)) ?? [];
  return (
    <section aria-labelledby="queues-title">
      <div class="bar">
        <h1 id="queues-title">Queues</h1>
        <form
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            pages.restart(afterForPrefix(prefix));
          }}
        >
          <label for="queue-search">Find queues by name prefix</label>
          <input id="queue-search" value={prefix} onInput={(event) => setPrefix(event.currentTarget.value)} />
          <button type="submit">Find</button>
        </form>
      </div>
      <ErrorNote error={error} />
      <CreateQueue />
      <p class="help">Refreshes every {POLL_MS / 1000} s by polling the API; charts show the server's last hour.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" class="num">
              Ready
            </th>
            <th scope="col" class="num">
              Delayed
            </th>
            <th scope="col" class="num">
              Leased
            </th>
            <th scope="col" class="num">
              Grouped
            </th>
            <th scope="col" class="num">
              Dead
            </th>
            <th scope="col" class="num">
              Oldest ready
            </th>
            <th scope="col">Webhook</th>
            <th scope="col">State</th>
            <th scope="col">Backlog</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((queue) => (
            <tr key={queue.name} data-queue={queue.name}>
              <th scope="row">
                <a href={`#/queues/${seg(queue.name)}`}>{queue.name}</a>
              </th>
              <td class="num" data-stat="ready">
                {queue.stats.ready}
              </td>
              <td class="num">{queue.stats.delayed}</td>
              <td class="num">{queue.stats.leased}</td>
              <td class="num">{queue.stats.grouped}</td>
              <td class={queue.stats.dead > 0 ? "num warn" : "num"} data-stat="dead">
                {queue.stats.dead}
              </td>
              <td class="num">{age(queue.stats.oldestReadyAgeSeconds)}</td>
              <td>{webhookState(queue.deliveryState)}</td>
              <td>{queue.paused ? <span class="badge">paused</span> : "running"}</td>
              <td>
                <BacklogChart samples={history(queue.name)} width={140} height={32} compact />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && shown.length === 0 && <p>No queues here.</p>}
      <Pager pages={pages} nextCursor={data?.nextCursor ?? null} />
    </section>
  );
}

function CreateQueue() {
  const [name, setName] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    try {
      await api("PUT", `/v1/queues/${seg(name)}`, {});
      location.hash = `#/queues/${seg(name)}`;
    } catch (failure) {
      setError(failure as ApiError);
    }
  };
  return (
    <form class="inline" onSubmit={(event) => void create(event)}>
      <label for="new-queue">New queue</label>
      <input
        id="new-queue"
        value={name}
        required
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? "new-queue-error" : undefined}
        onInput={(event) => setName(event.currentTarget.value)}
      />
      <button type="submit">Create queue</button>
      {error && (
        <span id="new-queue-error" class="field-error" role="alert">
          {error.message}
        </span>
      )}
    </form>
  );
}
