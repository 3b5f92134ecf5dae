import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";

export interface Polled<T> {
  data: T | null;
  error: ApiError | null;
  reload: () => void;
}

/**
 * Calls `load` now and every `intervalMs` while the tab is visible. Polling, not server-sent
 * events: every request carries the credentials in the Authorization header like any API client,
 * and EventSource cannot send headers (it would need the token in the URL or a cookie).
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const generation = useRef(0);
  const run = useCallback(load, deps);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    run().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failure instanceof ApiError ? failure : new ApiError(0, "network", String(failure), null));
      },
    );
  }, [run]);
  useEffect(() => {
    setData(null);
    reload();
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, intervalMs);
    return () => {
      clearInterval(timer);
      generation.current += 1;
    };
  }, [reload, intervalMs]);
  return { data, error, reload };
}
