// Translates the items query (CQL2 tree, property equalities, bbox, datetime, sortby) into
// Kysely SQL expressions. Identifiers only ever come from the collection's whitelist (and go
// through sql.ref); every client value travels as a bound parameter, geometries included (as
// GeoJSON). The tree's depth is bounded by cql2.ts, so the recursion here is too.
import { sql, type RawBuilder } from 'kysely';
import type { Geometry } from 'geojson';
import type { CollectionDefinition, Queryable, QueryableType } from './collections.js';
import { canonicalDate, canonicalTimestamp, type Expression } from './cql2.js';

/** YYYY-MM-DD naming a real day: Date.parse accepts 2024-02-31, the calendar does not. */
function isCalendarDate(text: string): boolean {
  return canonicalDate(text) !== null;
}

/** A client mistake in a filter, sortby or property name; the route turns it into a 400. */
export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export function queryable(collection: CollectionDefinition, name: string, parameter: string): Queryable {
  const q = Object.hasOwn(collection.properties, name) ? collection.properties[name] : undefined;
  if (!q)
    throw new QueryError(
      parameter,
      `unknown property ${JSON.stringify(name)}: not a queryable of ${collection.id} ` +
        `(see /ogc/collections/${collection.id}/queryables)`,
    );
  return q;
}

export function columnExpression(q: Queryable): RawBuilder<unknown> {
  if (q.array) return sql`array_to_string(${sql.ref(q.column)}, '|')`;
  // uuid ids compare as text; a text-to-text cast is free and keeps indexes usable.
  return q.type === 'string' ? sql`CAST(${sql.ref(q.column)} AS text)` : sql`${sql.ref(q.column)}`;
}

/** The property every collection's geometry answers to in filters (see queryablesDocument). */
export const geometryProperty = 'geometry';

type ValueType = QueryableType | 'timestamp' | 'geometry';
interface Typed {
  sql: RawBuilder<unknown>;
  type: ValueType;
}

const numeric = (type: ValueType) => type === 'number' || type === 'integer';
const temporal = (type: ValueType) => type === 'date' || type === 'timestamp';
const arithmeticSql: Record<string, (a: RawBuilder<unknown>, b: RawBuilder<unknown>) => RawBuilder<unknown>> = {
  '+': (a, b) => sql`(${a} + ${b})`,
  '-': (a, b) => sql`(${a} - ${b})`,
  '*': (a, b) => sql`(${a} * ${b})`,
  '/': (a, b) => sql`(CAST(${a} AS double precision) / ${b})`,
  // % and div are defined on numeric, not on double precision.
  '%': (a, b) => sql`CAST(mod(CAST(${a} AS numeric), CAST(${b} AS numeric)) AS double precision)`,
  div: (a, b) => sql`CAST(div(CAST(${a} AS numeric), CAST(${b} AS numeric)) AS double precision)`,
  '^': (a, b) => sql`power(${a}, ${b})`,
};
const comparisonSql: Record<string, RawBuilder<unknown>> = {
  '=': sql`=`,
  '<>': sql`<>`,
  '<': sql`<`,
  '<=': sql`<=`,
  '>': sql`>`,
  '>=': sql`>=`,
};
const spatialSql: Record<string, (a: RawBuilder<unknown>, b: RawBuilder<unknown>) => RawBuilder<boolean>> = {
  s_intersects: (a, b) => sql<boolean>`ST_Intersects(${a}, ${b})`,
  s_equals: (a, b) => sql<boolean>`ST_Equals(${a}, ${b})`,
  s_disjoint: (a, b) => sql<boolean>`ST_Disjoint(${a}, ${b})`,
  s_touches: (a, b) => sql<boolean>`ST_Touches(${a}, ${b})`,
  s_within: (a, b) => sql<boolean>`ST_Within(${a}, ${b})`,
  s_overlaps: (a, b) => sql<boolean>`ST_Overlaps(${a}, ${b})`,
  s_crosses: (a, b) => sql<boolean>`ST_Crosses(${a}, ${b})`,
  s_contains: (a, b) => sql<boolean>`ST_Contains(${a}, ${b})`,
};
type Bounds = [RawBuilder<unknown>, RawBuilder<unknown>];
// CQL2 Table "temporal functions": a = [aS, aE], b = [bS, bE]; an instant is [t, t].
const temporalSql: Record<string, (a: Bounds, b: Bounds) => RawBuilder<boolean>> = {
  t_after: ([aS], [, bE]) => sql<boolean>`(${aS} > ${bE})`,
  t_before: ([, aE], [bS]) => sql<boolean>`(${aE} < ${bS})`,
  t_contains: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} < ${bS} AND ${aE} > ${bE})`,
  t_disjoint: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} > ${bE} OR ${aE} < ${bS})`,
  t_during: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} > ${bS} AND ${aE} < ${bE})`,
  t_equals: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} = ${bS} AND ${aE} = ${bE})`,
  t_finishedBy: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} < ${bS} AND ${aE} = ${bE})`,
  t_finishes: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} > ${bS} AND ${aE} = ${bE})`,
  t_intersects: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} <= ${bE} AND ${aE} >= ${bS})`,
  t_meets: ([, aE], [bS]) => sql<boolean>`(${aE} = ${bS})`,
  t_metBy: ([aS], [, bE]) => sql<boolean>`(${aS} = ${bE})`,
  t_overlappedBy: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} > ${bS} AND ${aS} < ${bE} AND ${aE} > ${bE})`,
  t_overlaps: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} < ${bS} AND ${aE} > ${bS} AND ${aE} < ${bE})`,
  t_startedBy: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} = ${bS} AND ${aE} > ${bE})`,
  t_starts: ([aS, aE], [bS, bE]) => sql<boolean>`(${aS} = ${bS} AND ${aE} < ${bE})`,
};
const arrayFunctions = new Set(['a_equals', 'a_contains', 'a_containedBy', 'a_overlaps']);

const isObject = (e: Expression): e is Exclude<Expression, string | number | boolean | Expression[]> =>
  typeof e === 'object' && e !== null && !Array.isArray(e);
const isOperation = (e: Expression): e is { op: string; args: Expression[] } => isObject(e) && 'op' in e;
const isProperty = (e: Expression): e is { property: string } => isObject(e) && 'property' in e;
const isGeometryLiteral = (e: Expression): e is Geometry => isObject(e) && 'type' in e;
/** Literals take the type of what they meet; properties and operations have their own. */
const hasOwnType = (e: Expression) => isProperty(e) || (isOperation(e) && e.op !== 'casei' && e.op !== 'accenti');

function describeExpression(e: Expression): string {
  if (isOperation(e)) return `${e.op}()`;
  if (isProperty(e)) return JSON.stringify(e.property);
  return JSON.stringify(e);
}

class FilterTranslator {
  constructor(
    private readonly collection: CollectionDefinition,
    private readonly parameter: string,
  ) {}

  private error(message: string): QueryError {
    return new QueryError(this.parameter, message);
  }

  private args(node: { op: string; args: Expression[] }, count: number): Expression[] {
    if (node.args.length !== count)
      throw this.error(`${node.op} takes ${count} argument${count === 1 ? '' : 's'}, not ${node.args.length}`);
    return node.args;
  }

  predicate(e: Expression): RawBuilder<boolean> {
    if (typeof e === 'boolean') return e ? sql<boolean>`TRUE` : sql<boolean>`FALSE`;
    if (!isOperation(e)) {
      const value = this.scalar(e);
      if (value.type !== 'boolean') throw this.error(`${describeExpression(e)} is not a condition`);
      return value.sql as RawBuilder<boolean>;
    }
    switch (e.op) {
      case 'and':
      case 'or':
        if (e.args.length < 2) throw this.error(`${e.op} takes at least 2 arguments`);
        return sql<boolean>`(${sql.join(
          e.args.map((a) => this.predicate(a)),
          e.op === 'and' ? sql` AND ` : sql` OR `,
        )})`;
      case 'not':
        return sql<boolean>`(NOT ${this.predicate(this.args(e, 1)[0]!)})`;
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [a, b] = this.comparable(this.args(e, 2) as [Expression, Expression], e.op === '=' || e.op === '<>');
        return sql<boolean>`(${a.sql} ${comparisonSql[e.op]!} ${b.sql})`;
      }
      case 'like': {
        // \ escapes % and _ (in CQL2 as in SQL); a pattern cannot end with it.
        let literal = e.args[1];
        while (literal !== undefined && isOperation(literal) && (literal.op === 'casei' || literal.op === 'accenti'))
          literal = literal.args[0];
        if (typeof literal === 'string' && /(^|[^\\])(\\\\)*\\$/.test(literal))
          throw this.error('a LIKE pattern cannot end with the escape character \\');
        const [value, pattern] = this.args(e, 2).map((a) => this.scalar(a, 'string'));
        if (value!.type !== 'string' || pattern!.type !== 'string')
          throw this.error('LIKE compares text with a text pattern');
        return sql<boolean>`(${value!.sql} LIKE ${pattern!.sql})`;
      }
      case 'between': {
        const [x, low, high] = this.args(e, 3);
        const [a, b] = this.comparable([x!, low!], false);
        const [, c] = this.comparable([x!, high!], false);
        return sql<boolean>`(${a.sql} BETWEEN ${b.sql} AND ${c.sql})`;
      }
      case 'in': {
        const [x, list] = this.args(e, 2);
        if (!Array.isArray(list) || list.length === 0) throw this.error('IN takes a non-empty list');
        const items = list.map((item) => this.comparable([x!, item], true));
        return sql<boolean>`(${items[0]![0].sql} IN (${sql.join(items.map(([, b]) => b.sql))}))`;
      }
      case 'isNull': {
        const [x] = this.args(e, 1);
        const value = isGeometryLiteral(x!) || (isObject(x!) && 'bbox' in x!) ? this.geometry(x!) : this.scalar(x!).sql;
        return sql<boolean>`(${value} IS NULL)`;
      }
    }
    const spatial = spatialSql[e.op];
    if (spatial) {
      const [a, b] = this.args(e, 2).map((g) => this.geometry(g));
      return spatial(a!, b!);
    }
    const temporalFunction = temporalSql[e.op];
    if (temporalFunction) {
      const [a, b] = this.args(e, 2).map((t) => this.bounds(t));
      return temporalFunction(a!, b!);
    }
    const value = this.scalar(e);
    if (value.type !== 'boolean') throw this.error(`${describeExpression(e)} is not a condition`);
    return value.sql as RawBuilder<boolean>;
  }

  /** Two operands of a comparison: a literal is typed by the other side; the types must match. */
  private comparable([left, right]: [Expression, Expression], equality: boolean): [Typed, Typed] {
    let a: Typed;
    let b: Typed;
    if (!hasOwnType(left) && hasOwnType(right)) {
      b = this.scalar(right);
      a = this.scalar(left, b.type);
    } else {
      a = this.scalar(left);
      b = this.scalar(right, a.type);
    }
    if (a.type === 'geometry' || b.type === 'geometry')
      throw this.error('a geometry is compared with the S_ functions');
    if (numeric(a.type) && numeric(b.type)) return [a, b];
    if (temporal(a.type) && temporal(b.type)) {
      if (a.type === b.type) return [a, b];
      // A date meets a timestamp as its midnight (UTC: timestamps here carry no zone).
      const asTimestamp = (t: Typed): Typed => ({ sql: sql`CAST(${t.sql} AS timestamp)`, type: 'timestamp' });
      return [asTimestamp(a), asTimestamp(b)];
    }
    if (a.type === b.type && (a.type !== 'boolean' || equality)) return [a, b];
    throw this.error(`cannot compare ${a.type} with ${b.type}`);
  }

  scalar(e: Expression, expected?: ValueType): Typed {
    if (typeof e === 'string') {
      if (expected === 'date') {
        const date = canonicalDate(e.slice(0, 10));
        if (!date) throw this.error(`${JSON.stringify(e)} is not a date`);
        return { sql: sql`CAST(${date} AS date)`, type: 'date' };
      }
      if (expected === 'timestamp') return this.scalar(canonicalDate(e) ? { date: e } : { timestamp: e });
      if (expected && expected !== 'string') throw this.error(`${JSON.stringify(e)} is not a ${expected}`);
      return { sql: sql`CAST(${e} AS text)`, type: 'string' };
    }
    if (typeof e === 'number') {
      // GDAL writes OGR booleans as 1 and 0 (-where "turnkey = 1").
      if (expected === 'boolean' && (e === 0 || e === 1))
        return { sql: sql`CAST(${e === 1} AS boolean)`, type: 'boolean' };
      if (expected === 'string') return { sql: sql`CAST(${String(e)} AS text)`, type: 'string' };
      if (expected && !numeric(expected))
        throw this.error(`${e} is not a ${expected === 'boolean' ? 'boolean (TRUE, FALSE, 1 or 0)' : expected}`);
      return { sql: sql`CAST(${e} AS double precision)`, type: 'number' };
    }
    if (typeof e === 'boolean') {
      if (expected && expected !== 'boolean') throw this.error(`${e} is not a ${expected}`);
      return { sql: sql`CAST(${e} AS boolean)`, type: 'boolean' };
    }
    if (Array.isArray(e)) throw this.error('a list is not a value here');
    if ('property' in e) {
      if (e.property === geometryProperty) return { sql: sql.ref(this.collection.geometryColumn), type: 'geometry' };
      const q = queryable(this.collection, e.property, this.parameter);
      return { sql: columnExpression(q), type: q.type };
    }
    if ('date' in e) return { sql: sql`CAST(${e.date} AS date)`, type: 'date' };
    if ('timestamp' in e) {
      const timestamp = canonicalTimestamp(e.timestamp);
      if (!timestamp) throw this.error(`${JSON.stringify(e.timestamp)} is not a timestamp`);
      return { sql: sql`CAST(${timestamp} AS timestamp)`, type: 'timestamp' };
    }
    if (!('op' in e)) throw this.error(`${describeExpression(e)} is not a value here`);
    if (e.op === 'casei' || e.op === 'accenti') {
      const inner = this.scalar(this.args(e, 1)[0]!, 'string');
      if (inner.type !== 'string') throw this.error(`${e.op.toUpperCase()} takes text`);
      return { sql: e.op === 'casei' ? sql`lower(${inner.sql})` : sql`unaccent(${inner.sql})`, type: 'string' };
    }
    const arithmetic = arithmeticSql[e.op];
    if (arithmetic) {
      const [a, b] = this.args(e, 2).map((x) => this.scalar(x, 'number'));
      if (!numeric(a!.type) || !numeric(b!.type)) throw this.error(`${e.op} takes numbers`);
      return { sql: arithmetic(a!.sql, b!.sql), type: 'number' };
    }
    if (hasOwnScalar(e)) {
      if (arrayFunctions.has(e.op))
        throw this.error(
          `${e.op.toUpperCase()} is not offered: ` +
            'array functions are not among the conformance classes of /ogc/conformance',
        );
      throw this.error(`unknown function ${JSON.stringify(e.op)}: this server offers no custom functions`);
    }
    // A condition used as a value: `(a = b) = TRUE`.
    return { sql: this.predicate(e), type: 'boolean' };
  }

  private geometry(e: Expression): RawBuilder<unknown> {
    if (isProperty(e)) {
      if (e.property === geometryProperty) return sql.ref(this.collection.geometryColumn);
      queryable(this.collection, e.property, this.parameter);
      throw this.error(
        `${JSON.stringify(e.property)} is not a geometry; the geometry property is "${geometryProperty}"`,
      );
    }
    if (isGeometryLiteral(e)) return sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(e)}), 4326)`;
    if (isObject(e) && 'bbox' in e) {
      // A 6-number box is minLon, minLat, minElev, maxLon, maxLat, maxElev: the plane is 0, 1, 3, 4.
      const [minX, minY, maxX, maxY] = e.bbox.length === 6 ? [e.bbox[0], e.bbox[1], e.bbox[3], e.bbox[4]] : e.bbox;
      return sql`ST_MakeEnvelope(${minX}, ${minY}, ${maxX}, ${maxY}, 4326)`;
    }
    throw this.error(`${describeExpression(e)} is not a geometry`);
  }

  /** A temporal operand as [start, end] timestamps; an instant is [t, t], '..' an open end. */
  private bounds(e: Expression): Bounds {
    if (isObject(e) && 'interval' in e)
      return [this.instant(e.interval[0], '-infinity'), this.instant(e.interval[1], 'infinity')];
    const t = this.instant(e, undefined);
    return [t, t];
  }

  private instant(e: Expression, open: '-infinity' | 'infinity' | undefined): RawBuilder<unknown> {
    if (e === '..' && open) return sql`CAST(${open} AS timestamp)`;
    const value = typeof e === 'string' ? this.scalar(e, canonicalDate(e) ? 'date' : 'timestamp') : this.scalar(e);
    if (!temporal(value.type))
      throw this.error(
        `${describeExpression(e)} is not a date or a timestamp: temporal functions apply to date properties`,
      );
    return sql`CAST(${value.sql} AS timestamp)`;
  }
}

/** Operations that are neither conditions nor CASEI/ACCENTI/arithmetic: custom or array functions. */
function hasOwnScalar(e: { op: string }): boolean {
  return (
    !(e.op in comparisonSql) &&
    !['and', 'or', 'not', 'like', 'between', 'in', 'isNull', 'casei', 'accenti'].includes(e.op) &&
    !(e.op in arithmeticSql) &&
    !(e.op in spatialSql) &&
    !(e.op in temporalSql)
  );
}

export function filterExpression(
  collection: CollectionDefinition,
  filter: Expression,
  parameter = 'filter',
): RawBuilder<boolean> {
  return new FilterTranslator(collection, parameter).predicate(filter);
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A `name=value` parameter's value as a typed parameter of its property's type. */
function literalExpression(value: string, type: QueryableType, parameter: string): RawBuilder<unknown> {
  switch (type) {
    case 'number':
    case 'integer': {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number))
        throw new QueryError(parameter, `${JSON.stringify(value)} is not a number`);
      return sql`CAST(${number} AS double precision)`;
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false')
        throw new QueryError(parameter, `${JSON.stringify(value)} is not true or false`);
      return sql`CAST(${value === 'true'} AS boolean)`;
    case 'date':
      if (!isoDate.test(value) || !isCalendarDate(value))
        throw new QueryError(parameter, `${JSON.stringify(value)} is not a date`);
      return sql`CAST(${value} AS date)`;
    default:
      return sql`CAST(${value} AS text)`;
  }
}

/** `name=value` query parameters on queryables: equality, with the value typed as the property. */
export function propertyEquals(collection: CollectionDefinition, name: string, value: string): RawBuilder<boolean> {
  const q = queryable(collection, name, name);
  return sql<boolean>`(${columnExpression(q)} = ${literalExpression(value, q.type, name)})`;
}

export type BBox = [number, number, number, number];

export function parseBbox(text: string): BBox {
  const parts = text.split(',').map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if ((parts.length !== 4 && parts.length !== 6) || parts.some((p) => !Number.isFinite(p)))
    throw new QueryError('bbox', 'expected minLon,minLat,maxLon,maxLat (4 or 6 numbers)');
  const [minX, minY, maxX, maxY] = parts.length === 6 ? [parts[0]!, parts[1]!, parts[3]!, parts[4]!] : (parts as BBox);
  if (minX < -180 || maxX > 180 || minY < -90 || maxY > 90)
    throw new QueryError('bbox', 'coordinates out of CRS84 range');
  if (minY > maxY) throw new QueryError('bbox', 'minLat is greater than maxLat');
  if (minX > maxX) throw new QueryError('bbox', 'minLon is greater than maxLon (antimeridian boxes are not supported)');
  return [minX, minY, maxX, maxY];
}

export function bboxExpression(collection: CollectionDefinition, box: BBox): RawBuilder<boolean> {
  const envelope = sql`ST_MakeEnvelope(${box[0]}, ${box[1]}, ${box[2]}, ${box[3]}, 4326)`;
  const geom = sql.ref(collection.geometryColumn);
  return sql<boolean>`(${geom} && ${envelope} AND ST_Intersects(${geom}, ${envelope}))`;
}

/** RFC 3339 instant or interval (`a/b`, open ends `..` or empty), compared on the date. */
export function datetimeExpression(collection: CollectionDefinition, text: string): RawBuilder<boolean> {
  if (!collection.datetimeColumn) throw new QueryError('datetime', `${collection.id} has no temporal property`);
  const column = sql.ref(collection.datetimeColumn);
  const day = (value: string): string => {
    const date = value.slice(0, 10);
    if (!isCalendarDate(date) || Number.isNaN(Date.parse(value)))
      throw new QueryError('datetime', `${JSON.stringify(value)} is not an RFC 3339 date or date-time`);
    return date;
  };
  const bounds = text.split('/');
  if (bounds.length === 1) return sql<boolean>`(${column} = CAST(${day(bounds[0]!)} AS date))`;
  if (bounds.length !== 2) throw new QueryError('datetime', 'expected an instant or an interval start/end');
  const [start, end] = bounds.map((b) => (b === '..' || b === '' ? undefined : day(b)));
  if (!start && !end) throw new QueryError('datetime', 'an interval needs at least one bound');
  const conditions = [
    ...(start ? [sql`${column} >= CAST(${start} AS date)`] : []),
    ...(end ? [sql`${column} <= CAST(${end} AS date)`] : []),
  ];
  return sql<boolean>`(${sql.join(conditions, sql` AND `)})`;
}

/** `sortby=name,-areaHa`: queryable names, '+' (default) or '-' prefix. */
export function sortExpressions(collection: CollectionDefinition, text: string | undefined): RawBuilder<unknown>[] {
  const order: RawBuilder<unknown>[] = [];
  for (const item of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const descending = item.startsWith('-');
    const name = item.replace(/^[+-]/, '');
    const q = queryable(collection, name, 'sortby');
    order.push(sql`${columnExpression(q)} ${descending ? sql`DESC` : sql`ASC`} NULLS LAST`);
  }
  // The id breaks ties, so that offset paging returns every feature exactly once.
  order.push(sql`${sql.ref(collection.idColumn)} ASC`);
  return order;
}
