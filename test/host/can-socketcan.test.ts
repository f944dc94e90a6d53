// The SocketCAN transport against a real Linux CAN interface, when WORLDCORE_CAN_IF names one
// (a vcan works: `ip link add dev vcan0 type vcan && ip link set up vcan0`). Otherwise skipped
// with the reason printed: CI machines have no CAN hardware.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SocketCanTransport, loadSocketCan } from "../../host/drivers/can/socketcan-transport.js";
import type { CanFrame } from "../../host/drivers/can/slcan.js";

const iface = process.env.WORLDCORE_CAN_IF;
let why: string | undefined;
if (!iface) why = "WORLDCORE_CAN_IF is not set (name a SocketCAN interface, e.g. vcan0, to run it)";
if (why) console.log(`# SocketCAN test skipped: ${why}`);

test("a frame sent on one SocketCAN channel arrives on another on the same interface", { skip: why, timeout: 10_000 }, async () => {
  const a = new SocketCanTransport("a", iface!);
  const b = new SocketCanTransport("b", iface!);
  await a.open();
  await b.open();
  try {
    const got = new Promise<CanFrame>((resolve) => { b.onFrame = resolve; });
    a.send({ id: 0x7e, ext: false, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
    a.flush();
    const f = await got;
    assert.equal(f.id, 0x7e);
    assert.deepEqual([...f.data], [1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    await a.close();
    await b.close();
  }
});

test("the socketcan package loads (its native addon built in npm ci)", () => {
  assert.equal(typeof loadSocketCan().createRawChannelWithOptions, "function");
});
