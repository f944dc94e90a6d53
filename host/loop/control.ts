// One control period on the host side: drain the input rings into the core's inbox, tick,
// push the outbox to the command ring. Everything that moves a joint is decided in the core;
// this only moves bytes and measures time. Used by the session (lockstep and realtime).
import type { Core } from "../engine/core.js";
import type { Ring } from "../bridge/ring.js";

export interface LoopHooks {
  /** Every frame delivered to the core, with the tick time it was delivered at. */
  inbox?(frame: Uint8Array, t_us: number): void;
  /** Every frame the core wrote (views valid only during the call). */
  outbox?(frame: Uint8Array, t_us: number): void;
}

export class ControlLoop {
  inboxOverflow = 0;
  commandRefused = 0;

  constructor(
    readonly core: Core,
    readonly inputs: Ring[],
    readonly commands: Ring,
    readonly hooks: LoopHooks = {},
  ) {}

  /** Runs one tick at t_us. Throws CoreTrap if the core traps. Returns the outbox length. */
  tick(t_us: number): number {
    const core = this.core;
    const inboxHook = this.hooks.inbox;
    for (const ring of this.inputs) {
      ring.drain((f) => {
        // A frame that no longer fits waits in its ring for the next tick: never dropped here.
        if (!core.push(f)) { this.inboxOverflow++; return false; }
        inboxHook?.(f, t_us);
        return true;
      });
    }
    const n = core.tick(t_us);
    const outHook = this.hooks.outbox;
    for (const f of core.outFrames()) {
      outHook?.(f, t_us);
      if (!this.commands.tryWrite(f)) this.commandRefused++;
    }
    return n;
  }
}
