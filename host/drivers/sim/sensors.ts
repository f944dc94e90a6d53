// Simulated sensors of the sim driver set, every draw from the run's seeded Rng: joint encoders
// (quantised to the encoder's counts, plus noise), joint torque, motor temperature (first-order
// thermal model heated by tau^2), a base IMU, and cup poses as a perception module would report
// them (noise, dropouts, latency) as `percept` frames.
import { encodeFrame, type Imu, type PerceptFrame, type PerceptObject } from "../../frames/codec.js";
import type { Rng } from "../rng.js";
import { qaxisAngle, qmul, qnormalize, qrot } from "./math.js";
import { DRV_ESTOP, type SimDriverSpec } from "./spec.js";
import type { SimWorld } from "./world.js";
import { TARGET_OBJECT_ID } from "../../model/observation.js";

export interface Measurement { q: number[]; qd: number[]; tau: number[]; temp: number[]; imu: Imu }

export class SensorModel {
  readonly temp_c: number[];
  readonly estopBit = DRV_ESTOP;
  private readonly res_rad: number;
  private readonly qNoise: number;
  private readonly qdNoise: number;
  private readonly tauNoise: number;
  private readonly ambient: number;
  private readonly tau_s: number;
  private readonly rise: number[];
  private readonly gyroNoise: number;
  private readonly accNoise: number;

  constructor(spec: SimDriverSpec, n: number, private readonly rng: Rng, tauMax: number[]) {
    this.res_rad = (2 * Math.PI) / (spec.encoder?.counts_per_rev ?? 524288);
    this.qNoise = spec.encoder?.noise_rad ?? 0;
    this.qdNoise = spec.encoder?.velocity_noise_rad_s ?? 0;
    this.tauNoise = spec.torque_sensor?.noise_nm ?? 0;
    this.ambient = spec.thermal?.ambient_c ?? 25;
    this.tau_s = spec.thermal?.time_constant_s ?? 60;
    // Default: +40 °C at half the torque limit held steadily.
    this.rise = tauMax.map((t, j) => spec.thermal?.rise_c_per_nm2?.[j] ?? 40 / (0.5 * t) ** 2);
    this.temp_c = new Array<number>(n).fill(this.ambient);
    this.gyroNoise = spec.imu?.gyro_noise_rad_s ?? 0;
    this.accNoise = spec.imu?.acc_noise_m_s2 ?? 0;
  }

  /** Winding temperature: dT/dt = (T_amb + k tau^2 - T) / time constant (copper loss ~ current^2). */
  heat(tau_nm: Float64Array, dt_s: number): void {
    const a = dt_s / this.tau_s;
    for (let j = 0; j < this.temp_c.length; j++) {
      const target = this.ambient + this.rise[j]! * tau_nm[j]! * tau_nm[j]!;
      this.temp_c[j] = this.temp_c[j]! + (target - this.temp_c[j]!) * a;
    }
  }

  measure(q: Float64Array, qd: Float64Array, tau: Float64Array, sim: SimWorld): Measurement {
    const r = this.rng;
    const n = q.length;
    const mq = new Array<number>(n), mqd = new Array<number>(n), mtau = new Array<number>(n), mtemp = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      mq[j] = Math.round((q[j]! + this.qNoise * r.normal()) / this.res_rad) * this.res_rad;
      mqd[j] = qd[j]! + this.qdNoise * r.normal();
      mtau[j] = tau[j]! + this.tauNoise * r.normal();
      mtemp[j] = Math.round(this.temp_c[j]! * 10) / 10; // 0.1 °C steps, as a drive reports them
    }
    // The base IMU: orientation, rate and specific force (gravity reads as +g upward) of the base.
    const rot = sim.base.rotation(), w = sim.base.angvel();
    const g = sim.world.gravity;
    const acc = qrot({ w: rot.w, x: -rot.x, y: -rot.y, z: -rot.z }, [-g.x, -g.y, -g.z]);
    const imu: Imu = {
      quat: [rot.w, rot.x, rot.y, rot.z],
      gyro: [w.x + this.gyroNoise * r.normal(), w.y + this.gyroNoise * r.normal(), w.z + this.gyroNoise * r.normal()],
      acc: acc.map((a) => a + this.accNoise * r.normal()),
    };
    return { q: mq, qd: mqd, tau: mtau, temp: mtemp, imu };
  }
}

/**
 * Cup poses as a camera pipeline would deliver them: sampled at `rate_hz`, each with Gaussian
 * position noise and a small random rotation, missing with probability `dropout`, and delivered
 * `latency_us` after the moment they describe (their t_us is that moment, not the delivery).
 */
export class Perception {
  sent = 0;
  dropped = 0;
  private readonly period_us: number;
  private readonly latency_us: number;
  private readonly posNoise: number;
  private readonly rotNoise: number;
  private readonly dropout: number;
  private next_us: number;
  private seq = 0;
  private readonly queue: { due_us: number; frame: Uint8Array }[] = [];

  /** The world's task target, reported with every frame (no noise, never dropped); null without one. */
  private readonly target: PerceptObject | null;

  constructor(spec: SimDriverSpec, private readonly rng: Rng, target?: { p_m: number[] }) {
    this.target = target ? { id: TARGET_OBJECT_ID, p: target.p_m.slice(0, 3), quat: [1, 0, 0, 0], conf: 1 } : null;
    const p = spec.perception ?? {};
    this.period_us = Math.round(1e6 / (p.rate_hz ?? 30));
    this.latency_us = p.latency_us ?? 60000;
    this.posNoise = p.position_noise_m ?? 0;
    this.rotNoise = p.rotation_noise_rad ?? 0;
    this.dropout = p.dropout ?? 0;
    this.next_us = this.period_us;
  }

  /** Moves the task target (m); false when the world has none. */
  moveTarget(p_m: readonly number[]): boolean {
    if (!this.target) return false;
    for (let k = 0; k < 3; k++) this.target.p[k] = p_m[k]!;
    return true;
  }

  observe(t_us: number, sim: SimWorld): void {
    if (t_us < this.next_us || (sim.cups.length === 0 && !this.target)) return;
    this.next_us += this.period_us;
    const r = this.rng;
    const obj: PerceptObject[] = [];
    // A frame holds at most 4 objects (the core's percept region); the target takes one slot.
    const maxCups = this.target ? 3 : 4;
    for (let i = 0; i < sim.cups.length && obj.length < maxCups; i++) {
      if (r.uniform() < this.dropout) { this.dropped++; continue; }
      const pose = sim.cupPose(i);
      const ax = [r.normal(), r.normal(), r.normal()];
      const an = Math.hypot(ax[0]!, ax[1]!, ax[2]!) || 1;
      const dq = qaxisAngle([ax[0]! / an, ax[1]! / an, ax[2]! / an], this.rotNoise * r.normal());
      const qn = qnormalize(qmul(dq, pose.quat));
      const noise = [r.normal() * this.posNoise, r.normal() * this.posNoise, r.normal() * this.posNoise];
      obj.push({
        id: sim.cups[i]!.spec.id,
        p: pose.p.map((x, k) => x + noise[k]!),
        quat: [qn.w, qn.x, qn.y, qn.z],
        // Confidence falls with the error a detector would see as a poor fit (5 per metre).
        conf: Math.max(0, Math.min(1, 0.95 - 5 * Math.hypot(noise[0]!, noise[1]!, noise[2]!))),
      });
    }
    // After the cups, so the noise draws of a world without a target are unchanged.
    if (this.target) obj.push({ ...this.target, p: this.target.p.slice(), quat: this.target.quat.slice() });
    if (obj.length === 0) return;
    const frame: PerceptFrame = { v: 1, k: "percept", seq: ++this.seq, t_us, obj };
    this.queue.push({ due_us: t_us + this.latency_us, frame: encodeFrame(frame) });
  }

  /** Frames whose latency has passed by t_us, oldest first. */
  due(t_us: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.queue.length && this.queue[0]!.due_us <= t_us) {
      out.push(this.queue.shift()!.frame);
      this.sent++;
    }
    return out;
  }
}
