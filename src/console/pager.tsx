import { useState } from "preact/hooks";

/**
 * Cursor paging as the API offers it: each page's `nextCursor` goes on a stack, so "previous" pops
 * back to the cursor that fetched the page before. `after` is the cursor of the page shown now.
 */
export function useCursorStack() {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  return {
    after: cursors[cursors.length - 1] ?? null,
    /** Starts over from `first` (null: the first page), e.g. after a filter changed. */
    restart: (first: string | null = null) => setCursors([first]),
    hasPrevious: cursors.length > 1,
    previous: () => setCursors(cursors.slice(0, -1)),
    next: (cursor: string) => setCursors([...cursors, cursor]),
  };
}

export function Pager({ pages, nextCursor }: { pages: ReturnType<typeof useCursorStack>; nextCursor: string | null }) {
  return (
    <div class="bar">
      <button type="button" disabled={!pages.hasPrevious} onClick={pages.previous}>
        Previous page
      </button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        Next page
      </button>
    </div>
  );
}
