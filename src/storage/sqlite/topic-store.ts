import { and, asc, eq } from "drizzle-orm";
import { fanOutNotAllowed, queueNotFound, topicNotFound } from "../../domain/errors.ts";
import { matchesFilter } from "../../domain/header-filter.ts";
import { QueuePatterns } from "../../domain/name-patterns.ts";
import type { NewMessage } from "../../domain/message.ts";
import type { FanOutResult, HeaderFilter, SubscriptionRecord, TopicRecord, TopicStore } from "../store.ts";
import type { Synchronous } from "./synchronous.ts";
import type { SqliteContext } from "./context.ts";
import type { SqliteMessageStore } from "./message-store.ts";
import * as schema from "./schema.ts";

export class SqliteTopicStore implements Synchronous<TopicStore> {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly messages: SqliteMessageStore,
  ) {}

  put(name: string, now: number): { topic: TopicRecord; created: boolean } {
    const existing = this.get(name);
    if (existing) return { topic: existing, created: false };
    this.ctx.orm.insert(schema.topics).values({ name, createdAt: now }).run();
    return { topic: { name, createdAt: now }, created: true };
  }

  get(name: string): TopicRecord | null {
    return this.ctx.orm.select().from(schema.topics).where(eq(schema.topics.name, name)).get() ?? null;
  }

  list(): TopicRecord[] {
    return this.ctx.orm.select().from(schema.topics).orderBy(asc(schema.topics.name)).all();
  }

  delete(name: string): boolean {
    this.ctx.db.query("DELETE FROM subscriptions WHERE topic = ?").run(name);
    return this.ctx.db.query("DELETE FROM topics WHERE name = ?").run(name).changes > 0;
  }

  putSubscription(
    topic: string,
    name: string,
    spec: { queue: string; filter: HeaderFilter | null },
    now: number,
  ): { subscription: SubscriptionRecord; created: boolean } {
    if (!this.get(topic)) throw topicNotFound(topic);
    if (!this.ctx.findQueue(spec.queue)) throw queueNotFound(spec.queue);
    const filter = spec.filter === null ? null : JSON.stringify(spec.filter);
    const key = and(eq(schema.subscriptions.topic, topic), eq(schema.subscriptions.name, name));
    const existing = this.ctx.orm.select().from(schema.subscriptions).where(key).get();
    if (existing) {
      this.ctx.orm.update(schema.subscriptions).set({ queue: spec.queue, filter }).where(key).run();
    } else {
      this.ctx.orm
        .insert(schema.subscriptions)
        .values({ topic, name, queue: spec.queue, filter, createdAt: now })
        .run();
    }
    const subscription = {
      topic,
      name,
      queue: spec.queue,
      filter: spec.filter,
      createdAt: existing?.createdAt ?? now,
    };
    return { subscription, created: !existing };
  }

  listSubscriptions(topic: string): SubscriptionRecord[] {
    if (!this.get(topic)) throw topicNotFound(topic);
    return this.ctx.orm
      .select()
      .from(schema.subscriptions)
      .where(eq(schema.subscriptions.topic, topic))
      .orderBy(asc(schema.subscriptions.name))
      .all()
      .map((row) => ({ ...row, filter: row.filter === null ? null : (JSON.parse(row.filter) as HeaderFilter) }));
  }

  deleteSubscription(topic: string, name: string): boolean {
    return this.ctx.db.query("DELETE FROM subscriptions WHERE topic = ? AND name = ?").run(topic, name).changes > 0;
  }

  publish(
    topic: string,
    message: NewMessage,
    now: number,
    allowedQueues: readonly string[] | null = null,
  ): FanOutResult[] {
    const headers = message.headers === null ? {} : (JSON.parse(message.headers) as Record<string, string>);
    const matching = this.listSubscriptions(topic).filter((subscription) =>
      matchesFilter(subscription.filter, headers),
    );
    if (allowedQueues !== null) {
      // Checked in the same transaction as the writes, so a subscription added meanwhile is seen.
      const patterns = QueuePatterns.parse(allowedQueues);
      const refused = matching.find((subscription) => !patterns.allows(subscription.queue));
      if (refused) throw fanOutNotAllowed(topic, refused.queue, allowedQueues);
    }
    return matching.map((subscription) => {
      const [result] = this.messages.publish(subscription.queue, [message], now);
      return {
        queue: subscription.queue,
        subscription: subscription.name,
        id: result!.id,
        duplicate: result!.duplicate,
      };
    });
  }
}
