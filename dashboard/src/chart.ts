/**
 * Line charts as inline SVG: time on x, one or more series on y. Keeps the last `maxPoints` of each
 * series and redraws on every `push`. No library: the page stays one small script.
 */
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899'];
const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 64, right: 12, top: 12, bottom: 24 };

type Series = { name: string; color: string; points: [number, number][] };

export class LineChart {
  readonly element: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #legend: HTMLElement;
  readonly #series = new Map<string, Series>();
  readonly #format: (value: number) => string;
  readonly #maxPoints: number;

  constructor(testId: string, format: (value: number) => string, maxPoints = 900) {
    this.#format = format;
    this.#maxPoints = maxPoints;
    this.#svg = document.createElementNS(SVG, 'svg');
    this.#svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.#svg.setAttribute('role', 'img');
    this.#legend = document.createElement('div');
    this.#legend.className = 'legend';
    this.element = document.createElement('div');
    this.element.className = 'chart';
    this.element.dataset.testid = testId;
    this.element.append(this.#svg, this.#legend);
    this.#draw();
  }

  /** Adds a point to series `name` (created on first use) at time `at` (ms) and redraws. */
  push(name: string, at: number, value: number): void {
    let series = this.#series.get(name);
    if (!series) {
      series = { name, color: COLORS[this.#series.size % COLORS.length] as string, points: [] };
      this.#series.set(name, series);
    }
    series.points.push([at, value]);
    if (series.points.length > this.#maxPoints) series.points.shift();
    this.#draw();
  }

  #el(tag: string, attributes: Record<string, string | number>): SVGElement {
    const element = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    return element;
  }

  #draw(): void {
    const all = [...this.#series.values()].flatMap((s) => s.points);
    const svg = this.#svg;
    svg.replaceChildren();
    const plotW = WIDTH - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    svg.append(this.#el('rect', { x: PAD.left, y: PAD.top, width: plotW, height: plotH, class: 'plot' }));
    if (all.length === 0) {
      const text = this.#el('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'muted' });
      text.textContent = 'waiting for data…';
      svg.append(text);
      return;
    }
    const t0 = Math.min(...all.map((p) => p[0]));
    const t1 = Math.max(...all.map((p) => p[0]), t0 + 1_000);
    let y0 = Math.min(...all.map((p) => p[1]));
    let y1 = Math.max(...all.map((p) => p[1]));
    if (y1 === y0) {
      y1 += Math.abs(y1) > 0 ? Math.abs(y1) * 0.1 : 1;
      y0 -= Math.abs(y0) > 0 ? Math.abs(y0) * 0.1 : 0;
    }
    const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * plotW;
    const y = (v: number) => PAD.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
    for (const value of [y0, (y0 + y1) / 2, y1]) {
      svg.append(this.#el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'grid' }));
      const label = this.#el('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis' });
      label.textContent = this.#format(value);
      svg.append(label);
    }
    const span = this.#el('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end', class: 'axis' });
    span.textContent = `last ${Math.max(1, Math.round((t1 - t0) / 1000))} s`;
    svg.append(span);
    for (const series of this.#series.values()) {
      const d = series.points
        .map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
        .join('');
      svg.append(this.#el('path', { d, fill: 'none', stroke: series.color, 'stroke-width': 2 }));
      const last = series.points.at(-1);
      if (last) svg.append(this.#el('circle', { cx: x(last[0]), cy: y(last[1]), r: 3, fill: series.color }));
    }
    this.#legend.replaceChildren(
      ...[...this.#series.values()].map((s) => {
        const item = document.createElement('span');
        item.className = 'item';
        const swatch = document.createElement('i');
        swatch.style.background = s.color;
        const last = s.points.at(-1);
        item.append(swatch, `${s.name}${last ? `: ${this.#format(last[1])}` : ''}`);
        return item;
      }),
    );
  }
}
