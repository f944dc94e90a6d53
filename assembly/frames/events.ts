// Events raised during a tick (transitions, faults), queued until frames/encode.ts writes them
// to the outbox after the command frame. Bounded: past EVENTS_MAX in one tick, the rest are
// counted as dropped (the fault itself is still latched and counted).
import { EVENTS_MAX, EVENTS_PTR } from "../abi/memory";

export const EV_TRANSITION: u32 = 1;
export const EV_FAULT: u32 = 2;
const EV_WORDS: usize = 6; // kind, from, to, fault, joint, value

export let eventCount: i32 = 0;
export let eventsDropped: u32 = 0;

export function queueEvent(kind: u32, from: u32, to: u32, fault: u32, joint: i32, value: f64): void {
  if (eventCount >= EVENTS_MAX) { eventsDropped++; return; }
  const p = EVENTS_PTR + <usize>eventCount * EV_WORDS * 8;
  store<f64>(p, <f64>kind);
  store<f64>(p + 8, <f64>from);
  store<f64>(p + 16, <f64>to);
  store<f64>(p + 24, <f64>fault);
  store<f64>(p + 32, <f64>joint);
  store<f64>(p + 40, value);
  eventCount++;
}

@inline export function eventWord(i: i32, w: usize): f64 {
  return load<f64>(EVENTS_PTR + <usize>i * EV_WORDS * 8 + (w << 3));
}

export function clearEvents(): void {
  eventCount = 0;
}
