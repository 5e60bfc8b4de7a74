/**
 * Charts, drawn by uPlot (small, fast, canvas): a timeline of a prefix per router/peer/view, the
 * modelled dampening penalty against its thresholds, and bars of churn.
 */
import uPlot from 'uplot';
import { h } from './dom.js';

const PALETTE = ['#1f6feb', '#b35900', '#1a7f37', '#8250df', '#cf222e', '#0a7a8a', '#6e7781', '#9a6700'];

function width(el: HTMLElement): number {
  return Math.max(280, Math.min(1100, el.clientWidth || 600));
}

/** A chart in a figure with a caption; charts follow the window's width. */
function figure(parent: HTMLElement, caption: string, make: (w: number) => uPlot): uPlot {
  const fig = h('figure', { class: 'chart' }, h('figcaption', {}, caption));
  parent.append(fig);
  const chart = make(width(parent));
  fig.append(chart.root);
  const onResize = (): void => {
    if (!fig.isConnected) {
      window.removeEventListener('resize', onResize);
      return;
    }
    chart.setSize({ width: width(parent), height: chart.height });
  };
  window.addEventListener('resize', onResize);
  return chart;
}

export interface Lane {
  readonly label: string;
  /** [time in s, 1 announced / 0 withdrawn] in time order. */
  readonly points: readonly (readonly [number, 0 | 1])[];
}

/** One lane per router/peer/view: a step up while the prefix is announced, down while withdrawn. */
export function timeline(parent: HTMLElement, caption: string, lanes: readonly Lane[], until: number): uPlot {
  const xs = [...new Set([...lanes.flatMap((l) => l.points.map((p) => p[0])), until])].sort((a, b) => a - b);
  const series: (number | null)[][] = lanes.map((lane, i) => {
    let j = 0;
    let state: number | null = null;
    return xs.map((x) => {
      while (j < lane.points.length && (lane.points[j]?.[0] ?? Infinity) <= x) state = lane.points[j++]?.[1] ?? state;
      return state === null ? null : i + (state === 1 ? 0.7 : 0.1);
    });
  });
  const opts: uPlot.Options = {
    width: 600,
    height: Math.max(140, 40 + 34 * lanes.length),
    scales: { x: { time: true }, y: { range: [-0.2, lanes.length] } },
    axes: [
      {},
      {
        size: 240,
        splits: () => lanes.map((_, i) => i + 0.4),
        values: (_u, ticks) => ticks.map((t) => lanes[Math.round(t - 0.4)]?.label ?? ''),
      },
    ],
    legend: { show: false },
    series: [{}, ...lanes.map((l, i) => ({ label: l.label, stroke: PALETTE[i % PALETTE.length], width: 2, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: true, size: 5 } }))],
  };
  return figure(parent, caption, (w) => new uPlot({ ...opts, width: w }, [xs, ...series] as uPlot.AlignedData));
}

/** The modelled penalty with the suppress and reuse thresholds as lines. */
export function penaltyChart(parent: HTMLElement, caption: string, xs: number[], penalty: number[], suppress: number, reuse: number): uPlot {
  const opts: uPlot.Options = {
    width: 600,
    height: 220,
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, suppress * 1.2)] } },
    axes: [{}, { size: 64 }],
    series: [
      {},
      { label: 'penalty', stroke: '#cf222e', width: 2, fill: 'rgba(207,34,46,0.08)' },
      { label: `suppress ${suppress}`, stroke: '#24292f', width: 1, dash: [6, 4] },
      { label: `reuse ${reuse}`, stroke: '#1a7f37', width: 1, dash: [2, 4] },
    ],
  };
  return figure(parent, caption, (w) => new uPlot({ ...opts, width: w }, [xs, penalty, xs.map(() => suppress), xs.map(() => reuse)]));
}

/** Bars of a count per item, numbered as in the table beside it. */
export function bars(parent: HTMLElement, caption: string, labels: readonly string[], values: readonly number[]): uPlot {
  const xs = labels.map((_, i) => i + 1);
  const opts: uPlot.Options = {
    width: 600,
    height: 220,
    scales: { x: { time: false, range: [0.4, labels.length + 0.6] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [{ splits: () => xs, values: (_u, ticks) => ticks.map((t) => `#${t}`) }, {}],
    legend: { show: false },
    series: [{}, { label: 'changes', stroke: '#1f6feb', fill: 'rgba(31,111,235,0.55)', paths: uPlot.paths.bars?.({ size: [0.6, 60] }), points: { show: false } }],
  };
  return figure(parent, caption, (w) => new uPlot({ ...opts, width: w }, [xs, [...values]]));
}
