/** The store contract with plain return values, for a driver that runs synchronously (SQLite's writer thread). */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};
