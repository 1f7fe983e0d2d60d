// The dashboard's chart: sign-ins and failures per day as an inline SVG bar chart (no script, no
// client framework). The same numbers are in a table next to it; the SVG is one image with a
// title saying what it shows, so screen readers read the table instead of bar after bar.
import type { DayFigures } from './stats';

const WIDTH = 720;
const HEIGHT = 180;
const AXIS = 24;
const COLOURS = { sign_ins: '#2456d6', failures: '#b42318' } as const;

/** The smallest "round" number at or above `n` (1, 2, 5 × 10^k), so the axis reads well. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

export function SignInChart(props: { days: DayFigures[] }) {
  const { days } = props;
  const top = niceCeiling(Math.max(...days.map((d) => Math.max(d.sign_ins, d.failures)), 1));
  const plotHeight = HEIGHT - AXIS;
  const slot = (WIDTH - 40) / days.length;
  const barWidth = Math.max(1, slot / 2 - 1);
  const y = (value: number) => plotHeight - (value / top) * (plotHeight - 8);
  const totalIn = days.reduce((a, d) => a + d.sign_ins, 0);
  const totalFailed = days.reduce((a, d) => a + d.failures, 0);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-labelledby="chart-title" data-testid="sign-in-chart">
      <title id="chart-title">
        Sign-ins (blue) and failures (red) per day from {days[0]?.date} to {days.at(-1)?.date}: {totalIn} sign-ins and {totalFailed} failures in all. The table below lists each day.
      </title>
      <line x1="40" y1={plotHeight} x2={WIDTH} y2={plotHeight} stroke="#d9dee5" />
      <line x1="40" y1={y(top)} x2={WIDTH} y2={y(top)} stroke="#eef1f5" />
      <text x="34" y={y(top) + 4} text-anchor="end" font-size="11" fill="#5b6472">
        {top}
      </text>
      <text x="34" y={plotHeight + 4} text-anchor="end" font-size="11" fill="#5b6472">
        0
      </text>
      {days.map((d, i) => {
        const x = 40 + i * slot;
        return (
          <g data-date={d.date}>
            <rect x={x} y={y(d.sign_ins)} width={barWidth} height={plotHeight - y(d.sign_ins)} fill={COLOURS.sign_ins} />
            <rect x={x + barWidth + 1} y={y(d.failures)} width={barWidth} height={plotHeight - y(d.failures)} fill={COLOURS.failures} />
          </g>
        );
      })}
      <text x="40" y={HEIGHT - 6} font-size="11" fill="#5b6472">
        {days[0]?.date}
      </text>
      <text x={WIDTH} y={HEIGHT - 6} text-anchor="end" font-size="11" fill="#5b6472">
        {days.at(-1)?.date}
      </text>
    </svg>
  );
}
