export interface NamePage<T> {
  items: T[];
  /** The last name of this page when more follow; pass it back as `after`. */
  nextCursor: string | null;
}

/**
 * One page of name-ordered items after `after`, keeping only those `visible` allows. Lists are
 * filtered before paging, so a principal limited to some names learns nothing of the others,
 * not even how many there are.
 */
export function pageByName<T extends { name: string }>(
  sorted: readonly T[],
  after: string | null,
  limit: number,
  visible: (name: string) => boolean,
): NamePage<T> {
  const items: T[] = [];
  for (const item of sorted) {
    if (after !== null && item.name <= after) continue;
    if (!visible(item.name)) continue;
    if (items.length === limit) return { items, nextCursor: items[items.length - 1]!.name };
    items.push(item);
  }
  return { items, nextCursor: null };
}
