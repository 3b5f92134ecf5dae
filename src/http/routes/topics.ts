import { Type as t } from "@sinclair/typebox";
import type { Broker } from "../../broker/broker.ts";
import { requireAllowed } from "../authorize.ts";
import { PageQuery, parseLimit } from "../paging.ts";
import { withCallerContext } from "../caller-context.ts";
import { defineRoute, json, noContent, principalAllows } from "../route.ts";
import { IdempotencyHeaders, MessageBody, Name, SubscriptionBody, TopicParams } from "../schemas.ts";
import { subscriptionView, topicView } from "../views.ts";
import { EventResult, Subscription, SubscriptionList, Topic, TopicPage } from "../response-schemas.ts";

const TAG = "topics";
const ADMIN = { scopes: ["admin"], resource: "topic" } as const;
const SubscriptionParams = t.Object({ topic: Name, name: Name });

export function topicRoutes(broker: Broker) {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/topics",
      operationId: "listTopics",
      summary: "List the topics these credentials may use, by name; paged",
      tag: TAG,
      access: { scopes: ["admin"] },
      query: PageQuery,
      responses: { 200: { description: "one page of topics; follow nextCursor until it is null", schema: TopicPage } },
      handle: async ({ query, principal }) => {
        const page = await broker.listTopics(query.after ?? null, parseLimit(query.limit), (name) =>
          principalAllows(principal, name),
        );
        return json({ topics: page.items.map(topicView), nextCursor: page.nextCursor });
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/v1/topics/:topic",
      operationId: "putTopic",
      summary: "Create a topic (idempotent)",
      tag: TAG,
      access: ADMIN,
      params: TopicParams,
      responses: {
        200: { description: "it existed", schema: Topic },
        201: { description: "created", schema: Topic },
      },
      handle: async ({ params }) => {
        const { topic, created } = await broker.putTopic(params.topic);
        return json(topicView(topic), created ? 201 : 200);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/topics/:topic",
      operationId: "getTopic",
      summary: "A topic",
      tag: TAG,
      access: ADMIN,
      params: TopicParams,
      responses: { 200: { description: "the topic", schema: Topic } },
      handle: async ({ params }) => json(topicView(await broker.getTopic(params.topic))),
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/topics/:topic",
      operationId: "deleteTopic",
      summary: "Delete a topic and its subscriptions (the queues and their messages stay)",
      tag: TAG,
      access: ADMIN,
      params: TopicParams,
      responses: { 204: { description: "deleted" } },
      handle: async ({ params }) => {
        await broker.deleteTopic(params.topic);
        return noContent();
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/topics/:topic/subscriptions",
      operationId: "listSubscriptions",
      summary: "List a topic's subscriptions into queues these credentials may use",
      tag: TAG,
      access: ADMIN,
      params: TopicParams,
      responses: { 200: { description: "the subscriptions, by name", schema: SubscriptionList } },
      handle: async ({ params, principal }) => {
        const subscriptions = await broker.listSubscriptions(params.topic);
        return json({
          subscriptions: subscriptions
            .filter((subscription) => principalAllows(principal, subscription.queue))
            .map(subscriptionView),
        });
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/v1/topics/:topic/subscriptions/:name",
      operationId: "putSubscription",
      summary:
        'Bind the topic to a queue, optionally only for messages whose headers match, e.g. {"type": ["order.paid"]}',
      tag: TAG,
      access: ADMIN,
      params: SubscriptionParams,
      body: SubscriptionBody,
      requestExamples: {
        all: { summary: "every event into queue billing", value: { queue: "billing" } },
        filtered: {
          summary: "only paid and refunded orders",
          value: { queue: "billing", filter: { type: ["order.paid", "order.refunded"] } },
        },
      },
      responses: {
        200: { description: "updated", schema: Subscription },
        201: { description: "created", schema: Subscription },
      },
      handle: async ({ params, body, principal }) => {
        // Binding a topic to a queue lets its events into that queue: the queue must be allowed too.
        requireAllowed(principal, body.queue);
        const filter = body.filter
          ? Object.fromEntries<string[]>(
              Object.entries(body.filter).map(([header, values]) => [
                header,
                Array.isArray(values) ? values : [values],
              ]),
            )
          : null;
        const { subscription, created } = await broker.putSubscription(params.topic, params.name, body.queue, filter);
        return json(subscriptionView(subscription), created ? 201 : 200);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/topics/:topic/subscriptions/:name",
      operationId: "getSubscription",
      summary: "One subscription",
      tag: TAG,
      access: ADMIN,
      params: SubscriptionParams,
      responses: { 200: { description: "the subscription", schema: Subscription } },
      handle: async ({ params, principal }) => {
        const subscription = await broker.getSubscription(params.topic, params.name);
        requireAllowed(principal, subscription.queue);
        return json(subscriptionView(subscription));
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/topics/:topic/subscriptions/:name",
      operationId: "deleteSubscription",
      summary: "Remove a subscription (the queue and its messages stay)",
      tag: TAG,
      access: ADMIN,
      params: SubscriptionParams,
      responses: { 204: { description: "deleted" } },
      handle: async ({ params, principal }) => {
        const subscription = await broker.getSubscription(params.topic, params.name);
        requireAllowed(principal, subscription.queue);
        await broker.deleteSubscription(params.topic, params.name);
        return noContent();
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/topics/:topic/events",
      operationId: "publishEvent",
      summary:
        "Publish one message to every matching subscription's queue, all or none; the credentials must be allowed every queue it reaches",
      tag: TAG,
      access: { scopes: ["publish"], resource: "topic" },
      params: TopicParams,
      headers: IdempotencyHeaders,
      body: MessageBody,
      requestExamples: {
        event: {
          summary: "an event that subscriptions filter on by its type header",
          value: { body: { orderId: 42 }, headers: { type: "order.paid" } },
        },
      },
      responses: { 201: { description: "written to every matching queue", schema: EventResult } },
      handle: async ({ params, body, request, principal }) => {
        const deliveries = await broker.publishEvent(
          params.topic,
          broker.tracesMessages ? body : withCallerContext([body], request.headers)[0]!,
          request.headers.get("idempotency-key"),
          principal?.queues.patterns ?? null,
        );
        return json({ deliveries }, 201);
      },
    }),
  ];
}
