import { useState } from "preact/hooks";
import { api, ApiError, seg } from "../api.ts";
import { ErrorNote } from "../errors.tsx";
import { usePoll } from "../hooks.ts";
import type { Message, QueueStats } from "../types.ts";
import { Pager, useCursorStack } from "../pager.tsx";

const STATES = ["ready", "delayed", "leased", "grouped", "dead"] as const;
type State = (typeof STATES)[number];
const PAGE_SIZE = 20;

/** Messages of one state, read with GET …/messages (nothing is leased), page by page; dead letters can be redriven or purged. */
export function MessageBrowser({
  queue,
  stats,
  onChanged,
}: {
  queue: string;
  stats: QueueStats;
  onChanged: () => void;
}) {
  const [state, setState] = useState<State>("ready");
  const pages = useCursorStack();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const { after } = pages;
  const { data, error, reload } = usePoll(
    () => {
      const query = new URLSearchParams({ state, limit: String(PAGE_SIZE) });
      if (after !== null) query.set("after", after);
      return api<{ messages: Message[]; nextCursor: string | null }>(
        "GET",
        `/v1/queues/${seg(queue)}/messages?${query}`,
      );
    },
    3000,
    // The queue page's poll moves the counts; a change there reloads the list at once.
    [queue, state, after, stats[state]],
  );
  const choose = (next: State) => {
    setState(next);
    pages.restart();
    setSelected(new Set());
  };
  const deadAction = async (question: string, method: string, path: string, body?: unknown) => {
    if (!confirm(question)) return;
    try {
      await api(method, path, body);
      setSelected(new Set());
      setActionError(null);
    } catch (failure) {
      setActionError(failure as ApiError);
    }
    reload();
    onChanged();
  };
  const base = `/v1/queues/${seg(queue)}`;
  return (
    <section aria-labelledby="messages-title">
      <h2 id="messages-title">Messages</h2>
      <div role="tablist" aria-label="message state" class="tabs">
        {STATES.map((name) => (
          <button key={name} type="button" role="tab" aria-selected={state === name} onClick={() => choose(name)}>
            {name} ({stats[name]})
          </button>
        ))}
      </div>
      <ErrorNote error={error ?? actionError} />
      {state === "dead" && (
        <div class="bar">
          <button
            type="button"
            disabled={selected.size === 0}
            onClick={() =>
              void deadAction(`Redrive ${selected.size} selected dead letter(s)?`, "POST", `${base}/dead/redrive`, {
                ids: [...selected],
              })
            }
          >
            Redrive selected
          </button>
          <button
            type="button"
            onClick={() =>
              void deadAction(`Redrive every dead letter of ${queue}?`, "POST", `${base}/dead/redrive`, { all: true })
            }
          >
            Redrive all
          </button>
          <button
            type="button"
            class="danger"
            onClick={() =>
              void deadAction(`Delete every dead letter of ${queue}? This cannot be undone.`, "DELETE", `${base}/dead`)
            }
          >
            Purge dead letters
          </button>
        </div>
      )}
      <table>
        <thead>
          <tr>
            {state === "dead" && <th scope="col">Select</th>}
            <th scope="col">Id</th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col">Enqueued</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {data?.messages.map((message) => (
            <tr key={message.id}>
              {state === "dead" && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select ${message.id}`}
                    checked={selected.has(message.id)}
                    onChange={(event) => {
                      const next = new Set(selected);
                      if (event.currentTarget.checked) next.add(message.id);
                      else next.delete(message.id);
                      setSelected(next);
                    }}
                  />
                </td>
              )}
              <td>
                <a href={`#/queues/${seg(queue)}/messages/${seg(message.id)}`}>{message.id}</a>
              </td>
              <td class="num">{message.attempts}</td>
              <td>{message.enqueuedAt}</td>
              <td>{message.lastError ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.messages.length === 0 && <p>No {state} messages.</p>}
      <Pager pages={pages} nextCursor={data?.nextCursor ?? null} />
    </section>
  );
}
