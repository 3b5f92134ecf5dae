import { Elysia, t } from "elysia";
import type { Broker } from "../../broker/broker.ts";
import { MessageBody, Name, SubscriptionBody, TopicParams } from "../schemas.ts";
import { subscriptionView } from "../views.ts";

export function topicRoutes(broker: Broker) {
  return new Elysia({ prefix: "/v1/topics", tags: ["topics"] })
    .put(
      "/:topic",
      async ({ params, set }) => {
        const { topic, created } = await broker.putTopic(params.topic);
        set.status = created ? 201 : 200;
        return { name: topic.name, createdAt: new Date(topic.createdAt).toISOString() };
      },
      { params: TopicParams, detail: { summary: "Create a topic (idempotent)" } },
    )
    .get(
      "/:topic/subscriptions",
      async ({ params }) => ({ subscriptions: (await broker.listSubscriptions(params.topic)).map(subscriptionView) }),
      { params: TopicParams, detail: { summary: "List a topic's subscriptions" } },
    )
    .put(
      "/:topic/subscriptions/:name",
      async ({ params, body, set }) => {
        const filter = body.filter
          ? Object.fromEntries<string[]>(
              Object.entries(body.filter).map(([header, values]) => [
                header,
                Array.isArray(values) ? values : [values],
              ]),
            )
          : null;
        const { subscription, created } = await broker.putSubscription(params.topic, params.name, body.queue, filter);
        set.status = created ? 201 : 200;
        return subscriptionView(subscription);
      },
      {
        params: t.Object({ topic: Name, name: Name }),
        body: SubscriptionBody,
        detail: {
          summary:
            'Bind the topic to a queue, optionally only for messages whose headers match, e.g. {"type": ["order.paid"]}',
        },
      },
    )
    .post(
      "/:topic/events",
      async ({ params, body, request, set }) => {
        const deliveries = await broker.publishEvent(params.topic, body, request.headers.get("idempotency-key"));
        set.status = 201;
        return { deliveries };
      },
      {
        params: TopicParams,
        body: MessageBody,
        detail: { summary: "Publish one message to every matching subscription's queue, all or none" },
      },
    );
}
