import { useState } from "preact/hooks";
import { api, ApiError, seg } from "../api.ts";
import { ErrorNote } from "../errors.tsx";
import { parseJsonField } from "../format.ts";
import { usePoll } from "../hooks.ts";
import type { Subscription } from "../types.ts";

interface TopicWithSubscriptions {
  name: string;
  subscriptions: Subscription[];
}

/** Topics with their subscriptions and filters; add a topic, add or remove a subscription. */
export function TopicsPage() {
  const { data, error, reload } = usePoll(
    async () => {
      const page = await api<{ topics: Array<{ name: string }> }>("GET", "/v1/topics?limit=100");
      return Promise.all(
        page.topics.map(async (topic): Promise<TopicWithSubscriptions> => {
          const list = await api<{ subscriptions: Subscription[] }>(
            "GET",
            `/v1/topics/${seg(topic.name)}/subscriptions`,
          );
          return { name: topic.name, subscriptions: list.subscriptions };
        }),
      );
    },
    5000,
    [],
  );
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const run = async (question: string | null, method: string, path: string, body?: unknown) => {
    if (question !== null && !confirm(question)) return false;
    try {
      await api(method, path, body);
      setActionError(null);
      reload();
      return true;
    } catch (failure) {
      setActionError(failure as ApiError);
      return false;
    }
  };
  const [topicName, setTopicName] = useState("");
  return (
    <section aria-labelledby="topics-title">
      <h1 id="topics-title">Topics</h1>
      <ErrorNote error={error ?? actionError} />
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          void run(null, "PUT", `/v1/topics/${seg(topicName)}`);
        }}
      >
        <label for="new-topic">New topic</label>
        <input id="new-topic" required value={topicName} onInput={(event) => setTopicName(event.currentTarget.value)} />
        <button type="submit">Create topic</button>
      </form>
      {data?.map((topic) => (
        <article key={topic.name} class="panel" aria-labelledby={`topic-${topic.name}`}>
          <h2 id={`topic-${topic.name}`}>{topic.name}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Subscription</th>
                <th scope="col">Queue</th>
                <th scope="col">Filter</th>
                <th scope="col">Remove</th>
              </tr>
            </thead>
            <tbody>
              {topic.subscriptions.map((subscription) => (
                <tr key={subscription.name}>
                  <td>{subscription.name}</td>
                  <td>
                    <a href={`#/queues/${seg(subscription.queue)}`}>{subscription.queue}</a>
                  </td>
                  <td>
                    <code>{subscription.filter === null ? "all events" : JSON.stringify(subscription.filter)}</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      onClick={() =>
                        void run(
                          `Remove subscription ${subscription.name} from ${topic.name}?`,
                          "DELETE",
                          `/v1/topics/${seg(topic.name)}/subscriptions/${seg(subscription.name)}`,
                        )
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <AddSubscription
            topic={topic.name}
            add={(name, body) => run(null, "PUT", `/v1/topics/${seg(topic.name)}/subscriptions/${seg(name)}`, body)}
          />
        </article>
      ))}
    </section>
  );
}

function AddSubscription({ topic, add }: { topic: string; add: (name: string, body: unknown) => Promise<boolean> }) {
  const [name, setName] = useState("");
  const [queue, setQueue] = useState("");
  const [filter, setFilter] = useState("");
  const [filterError, setFilterError] = useState<string | null>(null);
  const id = (field: string) => `sub-${topic}-${field}`;
  return (
    <form
      class="inline"
      onSubmit={(event) => {
        event.preventDefault();
        const parsed = filter.trim() === "" ? { ok: true as const, value: null } : parseJsonField(filter, "filter");
        if (!parsed.ok) return setFilterError(parsed.error);
        setFilterError(null);
        void add(name, { queue, filter: parsed.value });
      }}
    >
      <label for={id("name")}>Subscription</label>
      <input id={id("name")} required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      <label for={id("queue")}>Queue</label>
      <input id={id("queue")} required value={queue} onInput={(event) => setQueue(event.currentTarget.value)} />
      <label for={id("filter")}>Filter (JSON, optional)</label>
      <input
        id={id("filter")}
        placeholder='{"type": ["order.paid"]}'
        value={filter}
        aria-invalid={filterError ? "true" : undefined}
        onInput={(event) => setFilter(event.currentTarget.value)}
      />
      {filterError && (
        <span class="field-error" role="alert">
          {filterError}
        </span>
      )}
      <button type="submit">Add subscription</button>
    </form>
  );
}
