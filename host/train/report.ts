// The training report as a picture (report.svg): loss curves (train and validation, log scale)
// and the k-step prediction error before and after training. Plain SVG text, no fonts or
// scripts, so it renders anywhere a README does. Written by host/cli/train.ts.
import type { TrainReport } from "./trainer.js";

const W = 900, HGT = 360, PAD = 56;
const COLOURS = { train: "#1f77b4", val: "#d62728", before: "#7f7f7f", after: "#2ca02c", parts: ["#9467bd", "#8c564b", "#e377c2", "#17becf"] };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (v: number) => (v === 0 ? "0" : Math.abs(v) >= 1e5 || Math.abs(v) < 0.01 ? v.toExponential(1) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(2));

interface Panel { x0: number; y0: number; w: number; h: number }
interface Series { name: string; colour: string; points: [number, number][]; dash?: boolean }

function plot(p: Panel, title: string, xLabel: string, series: Series[], logY: boolean): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
  if (all.length === 0) return "";
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => (logY ? Math.log10(y) : y));
  const xMin = Math.min(...xs), xMax = Math.max(...xs) === xMin ? xMin + 1 : Math.max(...xs);
  let yMin = Math.min(...ys), yMax = Math.max(...ys);
  if (!logY) yMin = Math.min(0, yMin);
  if (yMax - yMin < 1e-9) { yMax += 0.5; yMin -= 0.5; }
  const X = (x: number) => p.x0 + ((x - xMin) / (xMax - xMin)) * p.w;
  const Y = (y: number) => p.y0 + p.h - (((logY ? Math.log10(y) : y) - yMin) / (yMax - yMin)) * p.h;
  const out: string[] = [];
  out.push(`<rect x="${p.x0}" y="${p.y0}" width="${p.w}" height="${p.h}" fill="none" stroke="#ccc"/>`);
  out.push(`<text x="${p.x0 + p.w / 2}" y="${p.y0 - 10}" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  out.push(`<text x="${p.x0 + p.w / 2}" y="${p.y0 + p.h + 34}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const yv = yMin + ((yMax - yMin) * i) / 4;
    const v = logY ? 10 ** yv : yv;
    const y = p.y0 + p.h - (p.h * i) / 4;
    out.push(`<line x1="${p.x0}" x2="${p.x0 + p.w}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${p.x0 - 4}" y="${y + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`);
    const xv = xMin + ((xMax - xMin) * i) / 4;
    out.push(`<text x="${X(xv)}" y="${p.y0 + p.h + 16}" text-anchor="middle" font-size="10">${fmt(Math.round(xv * 100) / 100)}</text>`);
  }
  series.forEach((s, i) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], j) => `${j === 0 ? "M" : "L"}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dash ? ' stroke-dasharray="5,4"' : ""}/>`);
    if (pts.length < 20) for (const [x, y] of pts) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${s.colour}"/>`);
    const ly = p.y0 + 14 + i * 15;
    out.push(`<line x1="${p.x0 + p.w - 150}" x2="${p.x0 + p.w - 130}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.colour}" stroke-width="2"${s.dash ? ' stroke-dasharray="5,4"' : ""}/>`);
    out.push(`<text x="${p.x0 + p.w - 126}" y="${ly}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join("\n");
}

export function reportSvg(r: TrainReport): string {
  const pw = (W - 3 * PAD) / 2, ph = HGT - 2 * PAD;
  const curve = r.curve;
  const trainPts = curve.filter((c) => c.step > 0).map((c) => [c.step, c.train.total] as [number, number]);
  const valPts = curve.filter((c) => c.val).map((c) => [c.step, c.val!.total] as [number, number]);
  const parts = (["consistency", "cost", "events", "decoder"] as const).map((k, i) => ({
    name: `val ${k}`, colour: COLOURS.parts[i]!, dash: true,
    points: curve.filter((c) => c.val).map((c) => [c.step, c.val![k] * (k === "consistency" ? r.loss_weights.consistency : 1)] as [number, number]),
  }));
  const k = (e: number[]) => e.map((v, i) => [i, v] as [number, number]);
  const left = plot({ x0: PAD, y0: PAD, w: pw, h: ph }, "loss (weighted terms, log scale)", "optimiser step", [
    { name: "train total", colour: COLOURS.train, points: trainPts },
    { name: "validation total (core)", colour: COLOURS.val, points: valPts },
    ...parts,
  ], true);
  const right = plot({ x0: 2 * PAD + pw, y0: PAD, w: pw, h: ph }, "k-step prediction error (validation, core)", "k (model steps ahead; 0 = reconstruction)", [
    { name: "before training", colour: COLOURS.before, points: k(r.initial_val.kstep_rmse) },
    { name: "after training", colour: COLOURS.after, points: k(r.final_val.kstep_rmse) },
  ], false);
  const caption = `${r.name}: ${r.architecture.kind} obs ${r.architecture.obs_dim} act ${r.architecture.act_dim} latent ${r.architecture.latent_dim} hidden ${r.architecture.hidden_dim}, ${r.parameters} parameters; ${r.steps} steps, batch ${r.batch}, horizon ${r.horizon}, seed ${r.seed}; validation loss ${fmt(r.initial_val.total)} -> ${fmt(r.final_val.total)}; ${r.steps_per_s.toFixed(1)} steps/s`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${HGT}" viewBox="0 0 ${W} ${HGT}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    left, right,
    `<text x="${W / 2}" y="${HGT - 8}" text-anchor="middle" font-size="11" fill="#444">${esc(caption)}</text>`,
    "</svg>", "",
  ].join("\n");
}
