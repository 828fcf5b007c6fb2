/** @jsxImportSource hono/jsx */
// Inline SVG bar charts for the programme dashboard: horizontal bars with their values written
// beside them, an optional target line, a <title> and <desc>, and the figures again as a table
// (the text alternative screen readers and spreadsheets read).
export interface Bar {
  label: string;
  value: number;
  /** The value as shown (12,5 ha, 40 %). */
  shown: string;
}

const ROW = 28;
const LABEL_W = 170;
const CHART_W = 560;

export function BarChart(props: {
  id: string;
  title: string;
  description: string;
  bars: Bar[];
  /** A vertical line at this value, labelled (the programme's target). */
  target?: { value: number; label: string };
  unitHeader: string;
}) {
  const max = Math.max(1, props.target?.value ?? 0, ...props.bars.map((b) => b.value));
  // Room on the right for the longest value label ("32 (2 059,6 ha)").
  const plotW = CHART_W - LABEL_W - 120;
  const x = (v: number) => LABEL_W + (v / max) * plotW;
  const height = props.bars.length * ROW + (props.target ? 24 : 8);
  return (
    <figure class="chart" aria-labelledby={`${props.id}-titre`}>
      <figcaption id={`${props.id}-titre`}>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${CHART_W} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-svg-titre ${props.id}-svg-desc`}
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={`${props.id}-svg-titre`}>{props.title}</title>
        <desc id={`${props.id}-svg-desc`}>{props.description}</desc>
        {props.bars.map((b, i) => (
          <g>
            <text x={LABEL_W - 8} y={i * ROW + 18} text-anchor="end" class="chart-label">
              {b.label}
            </text>
            <rect
              x={LABEL_W}
              y={i * ROW + 5}
              width={Math.max(1, x(b.value) - LABEL_W)}
              height={ROW - 10}
              class="chart-bar"
            />
            <text x={x(b.value) + 6} y={i * ROW + 18} class="chart-value">
              {b.shown}
            </text>
          </g>
        ))}
        {props.target ? (
          <g>
            <line x1={x(props.target.value)} x2={x(props.target.value)} y1={0} y2={height - 18} class="chart-target" />
            <text x={x(props.target.value)} y={height - 4} text-anchor="end" class="chart-label">
              {props.target.label}
            </text>
          </g>
        ) : null}
      </svg>
      <table class="chart-table">
        <caption class="visually-hidden">{props.title} (tableau)</caption>
        <thead>
          <tr>
            <th scope="col">Catégorie</th>
            <th scope="col">{props.unitHeader}</th>
          </tr>
        </thead>
        <tbody>
          {props.bars.map((b) => (
            <tr>
              <th scope="row">{b.label}</th>
              <td>{b.shown}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
