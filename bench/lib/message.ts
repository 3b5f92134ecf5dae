// The 256-byte JSON event every scenario publishes, peers included.
const NOTE_LENGTH = 256 - '{"orderId":12345,"customer":"c-42","amount":19.99,"currency":"EUR","note":""}'.length;
export const EVENT = {
  orderId: 12345,
  customer: "c-42",
  amount: 19.99,
  currency: "EUR",
  note: "x".repeat(NOTE_LENGTH),
};
export const EVENT_JSON = JSON.stringify(EVENT);
if (EVENT_JSON.length !== 256) throw new Error(`the bench event is ${EVENT_JSON.length} bytes, not 256`);
