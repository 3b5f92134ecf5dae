import { useEffect, useState } from "preact/hooks";
import { forgetToken, savedToken } from "./api.ts";
import { SignIn } from "./sign-in.tsx";
import { Overview } from "./pages/overview.tsx";
import { QueuePage } from "./pages/queue-page.tsx";
import { MessagePage } from "./pages/message-page.tsx";
import { TopicsPage } from "./pages/topics-page.tsx";

/** Where the hash points: #/, #/queues/<q>, #/queues/<q>/messages/<id>, #/topics. */
export type Route =
  | { page: "overview" }
  | { page: "queue"; queue: string }
  | { page: "message"; queue: string; id: string }
  | { page: "topics" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "queues" && parts[1] && parts[2] === "messages" && parts[3]) {
    return { page: "message", queue: parts[1], id: parts[3] };
  }
  if (parts[0] === "queues" && parts[1]) return { page: "queue", queue: parts[1] };
  if (parts[0] === "topics") return { page: "topics" };
  return { page: "overview" };
}

export function App() {
  const [signedIn, setSignedIn] = useState(savedToken() !== null);
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Millrace
        </a>
        <nav aria-label="main">
          <a href="#/" aria-current={route.page === "overview" ? "page" : undefined}>
            Queues
          </a>
          <a href="#/topics" aria-current={route.page === "topics" ? "page" : undefined}>
            Topics
          </a>
        </nav>
        <button
          type="button"
          class="quiet"
          onClick={() => {
            forgetToken();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        {route.page === "overview" && <Overview />}
        {route.page === "queue" && <QueuePage queue={route.queue} />}
        {route.page === "message" && <MessagePage queue={route.queue} id={route.id} />}
        {route.page === "topics" && <TopicsPage />}
      </main>
    </>
  );
}
