import { expect, test } from "bun:test";
import { Type as t } from "@sinclair/typebox";
import { openApiDocument } from "./openapi.ts";
import { defineRoute, json } from "./route.ts";

const Item = t.Object({ tags: t.Record(t.String(), t.String()) }, { $id: "Item" });

function route(path: string, schema: ReturnType<typeof t.Object>) {
  return defineRoute({
    method: "GET",
    path,
    operationId: path.slice(1),
    summary: "test",
    tag: "test",
    access: { scopes: ["admin"] },
    responses: { 200: { description: "ok", schema } },
    handle: () => json({}),
  });
}

test("schemas with an $id become components referenced by $ref; string records become maps", () => {
  const document = openApiDocument(
    [route("/one", Item), route("/many", t.Object({ items: t.Array(Item) }, { $id: "Items" }))],
    "1",
  ) as { paths: Record<string, any>; components: { schemas: Record<string, any> } };
  expect(document.paths["/one"].get.responses["200"].content["application/json"].schema).toEqual({
    $ref: "#/components/schemas/Item",
  });
  expect(document.components.schemas.Items.properties.items.items).toEqual({ $ref: "#/components/schemas/Item" });
  expect(document.components.schemas.Item.$id).toBeUndefined();
  expect(document.components.schemas.Item.properties.tags).toEqual({
    type: "object",
    additionalProperties: { type: "string" },
  });
});

test("two different schemas under one $id are refused, naming it", () => {
  const other = t.Object({ name: t.String() }, { $id: "Item" });
  expect(() => openApiDocument([route("/a", Item), route("/b", other)], "1")).toThrow('named "Item"');
});
