import { fanOutNotAllowed, queueNotFound, topicNotFound } from "../../domain/errors.ts";
import { matchesFilter } from "../../domain/header-filter.ts";
import type { NewMessage } from "../../domain/message.ts";
import { QueuePatterns } from "../../domain/name-patterns.ts";
import type { SQL } from "bun";
import type { FanOutResult, HeaderFilter, SubscriptionRecord, TopicRecord, TopicStore } from "../store.ts";
import { num, rows, type PgDatabase } from "./db.ts";
import { publishInTransaction } from "./publish.ts";
import { findQueue } from "./rows.ts";

export class PgTopicStore implements TopicStore {
  constructor(private readonly db: PgDatabase) {}

  async put(name: string, now: number): Promise<{ topic: TopicRecord; created: boolean }> {
    const inserted = await rows(this.db.sql`
      INSERT INTO topics (name, created_at) VALUES (${name}, ${now}) ON CONFLICT (name) DO NOTHING RETURNING name`);
    if (inserted.length > 0) return { topic: { name, createdAt: now }, created: true };
    const existing = await this.get(name);
    return { topic: existing ?? { name, createdAt: now }, created: false };
  }

  get(name: string): Promise<TopicRecord | null> {
    return findTopic(this.db.sql, name);
  }

  async list(): Promise<TopicRecord[]> {
    const rows = (await this.db.sql`SELECT * FROM topics ORDER BY name`) as Array<Record<string, unknown>>;
    return rows.map(toTopic);
  }

  delete(name: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.sql`DELETE FROM subscriptions WHERE topic = ${name}`;
      return (await rows(tx.sql`DELETE FROM topics WHERE name = ${name} RETURNING name`)).length > 0;
    });
  }

  putSubscription(
    topic: string,
    name: string,
    spec: { queue: string; filter: HeaderFilter | null },
    now: number,
  ): Promise<{ subscription: SubscriptionRecord; created: boolean }> {
    return this.db.transaction(async (tx) => {
      // FOR SHARE keeps the topic and queue from being deleted before this commits.
      if ((await rows(tx.sql`SELECT 1 FROM topics WHERE name = ${topic} FOR SHARE`)).length === 0)
        throw topicNotFound(topic);
      if ((await rows(tx.sql`SELECT 1 FROM queues WHERE name = ${spec.queue} FOR SHARE`)).length === 0) {
        throw queueNotFound(spec.queue);
      }
      const filter = spec.filter === null ? null : JSON.stringify(spec.filter);
      // xmax = 0 only on a row this statement inserted: tells created from updated in one round trip.
      const [row] = (await tx.sql`
        INSERT INTO subscriptions (topic, name, queue, filter, created_at)
        VALUES (${topic}, ${name}, ${spec.queue}, ${filter}, ${now})
        ON CONFLICT (topic, name) DO UPDATE SET queue = excluded.queue, filter = excluded.filter
        RETURNING created_at, (xmax = 0) AS inserted`) as Array<{ created_at: unknown; inserted: boolean }>;
      return {
        subscription: { topic, name, queue: spec.queue, filter: spec.filter, createdAt: num(row!.created_at) },
        created: row!.inserted,
      };
    });
  }

  async listSubscriptions(topic: string): Promise<SubscriptionRecord[]> {
    return listSubscriptionsIn(this.db.sql, topic);
  }

  async deleteSubscription(topic: string, name: string): Promise<boolean> {
    return (
      (await rows(this.db.sql`DELETE FROM subscriptions WHERE topic = ${topic} AND name = ${name} RETURNING name`))
        .length > 0
    );
  }

  publish(
    topic: string,
    message: NewMessage,
    now: number,
    allowedQueues: readonly string[] | null = null,
  ): Promise<FanOutResult[]> {
    return this.db.transaction(async (tx) => {
      const headers = message.headers === null ? {} : (JSON.parse(message.headers) as Record<string, string>);
      const matching = (await listSubscriptionsIn(tx.sql, topic)).filter((subscription) =>
        matchesFilter(subscription.filter, headers),
      );
      if (allowedQueues !== null) {
        // Checked in the same transaction as the writes, so a subscription added meanwhile is seen.
        const patterns = QueuePatterns.parse(allowedQueues);
        const refused = matching.find((subscription) => !patterns.allows(subscription.queue));
        if (refused) throw fanOutNotAllowed(topic, refused.queue, allowedQueues);
      }
      const results: FanOutResult[] = [];
      for (const subscription of matching) {
        if (!(await findQueue(tx.sql, subscription.queue))) throw queueNotFound(subscription.queue);
        const [result] = await publishInTransaction(tx, subscription.queue, [message], now);
        results.push({
          queue: subscription.queue,
          subscription: subscription.name,
          id: result!.id,
          duplicate: result!.duplicate,
        });
      }
      return results;
    });
  }
}

async function findTopic(sql: SQL, name: string): Promise<TopicRecord | null> {
  const [row] = (await sql`SELECT * FROM topics WHERE name = ${name}`) as Array<Record<string, unknown>>;
  return row ? toTopic(row) : null;
}

async function listSubscriptionsIn(sql: SQL, topic: string): Promise<SubscriptionRecord[]> {
  if (!(await findTopic(sql, topic))) throw topicNotFound(topic);
  const rows = (await sql`SELECT * FROM subscriptions WHERE topic = ${topic} ORDER BY name`) as Array<
    Record<string, unknown>
  >;
  return rows.map((row) => ({
    topic: row.topic as string,
    name: row.name as string,
    queue: row.queue as string,
    filter: row.filter === null ? null : (JSON.parse(row.filter as string) as HeaderFilter),
    createdAt: num(row.created_at),
  }));
}

function toTopic(row: Record<string, unknown>): TopicRecord {
  return { name: row.name as string, createdAt: num(row.created_at) };
}
