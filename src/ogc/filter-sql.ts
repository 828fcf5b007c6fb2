// Translates the items query (CQL2 AST, property equalities, bbox, datetime, sortby) into
// Kysely SQL expressions. Identifiers only ever come from the collection's whitelist (and go
// through sql.ref); every client value travels as a bound parameter, WKT included.
import { sql, type RawBuilder } from 'kysely';
import type { CollectionDefinition, Queryable } from './collections.js';
import type { FilterNode, Literal, Operand } from './cql2.js';

/** A client mistake in a filter, sortby or property name; the route turns it into a 400. */
/** YYYY-MM-DD naming a real day: Date.parse accepts 2024-02-31, the calendar does not. */
function isCalendarDate(text: string): boolean {
  if (!isoDate.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

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
  if (!q) throw new QueryError(parameter, `${JSON.stringify(name)} is not a queryable of ${collection.id} (see /ogc/collections/${collection.id}/queryables)`);
  return q;
}

export function columnExpression(q: Queryable): RawBuilder<unknown> {
  if (q.array) return sql`array_to_string(${sql.ref(q.column)}, '|')`;
  // uuid ids compare as text; a text-to-text cast is free and keeps indexes usable.
  return q.type === 'string' ? sql`CAST(${sql.ref(q.column)} AS text)` : sql`${sql.ref(q.column)}`;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** A literal as a typed parameter, checked against the type of the property it meets. */
function literalExpression(value: Literal, type: Queryable['type'] | undefined, parameter: string): RawBuilder<unknown> {
  const raw = typeof value === 'object' ? ('date' in value ? value.date : value.timestamp) : value;
  switch (type ?? (typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : typeof value === 'object' ? 'date' : 'string')) {
    case 'number':
    case 'integer': {
      const number = typeof raw === 'number' ? raw : Number(raw);
      if (typeof raw === 'boolean' || !Number.isFinite(number)) throw new QueryError(parameter, `${JSON.stringify(raw)} is not a number`);
      return sql`CAST(${number} AS double precision)`;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') throw new QueryError(parameter, `${JSON.stringify(raw)} is not TRUE or FALSE`);
      return sql`CAST(${raw} AS boolean)`;
    case 'date': {
      const text = String(raw).slice(0, 10);
      if (!isCalendarDate(text)) throw new QueryError(parameter, `${JSON.stringify(raw)} is not a date`);
      return sql`CAST(${text} AS date)`;
    }
    default:
      return sql`CAST(${String(raw)} AS text)`;
  }
}

function operandType(collection: CollectionDefinition, operand: Operand, parameter: string): Queryable['type'] | undefined {
  return operand.kind === 'property' ? queryable(collection, operand.name, parameter).type : undefined;
}

function operandExpression(collection: CollectionDefinition, operand: Operand, peerType: Queryable['type'] | undefined, parameter: string): RawBuilder<unknown> {
  if (operand.kind === 'property') return columnExpression(queryable(collection, operand.name, parameter));
  return literalExpression(operand.value, peerType, parameter);
}

const comparisonSql = { '=': sql`=`, '<>': sql`<>`, '<': sql`<`, '<=': sql`<=`, '>': sql`>`, '>=': sql`>=` } as const;

export function filterExpression(collection: CollectionDefinition, node: FilterNode, parameter = 'filter'): RawBuilder<boolean> {
  const operand = (o: Operand, peer?: Operand) => operandExpression(collection, o, peer ? operandType(collection, peer, parameter) : undefined, parameter);
  switch (node.op) {
    case 'and':
    case 'or':
      return sql<boolean>`(${sql.join(node.args.map((a) => filterExpression(collection, a, parameter)), node.op === 'and' ? sql` AND ` : sql` OR `)})`;
    case 'not':
      return sql<boolean>`(NOT ${filterExpression(collection, node.arg, parameter)})`;
    case 'literal':
      return sql<boolean>`CAST(${node.value} AS boolean)`;
    case 'compare':
      return sql<boolean>`(${operand(node.left, node.right)} ${comparisonSql[node.operator]} ${operand(node.right, node.left)})`;
    case 'like': {
      if (node.pattern.kind !== 'literal' || typeof node.pattern.value !== 'string') throw new QueryError(parameter, 'LIKE takes a quoted pattern');
      return sql<boolean>`(CAST(${operand(node.left)} AS text) ${node.negated ? sql`NOT` : sql``} ${node.caseInsensitive ? sql`ILIKE` : sql`LIKE`} ${node.pattern.value})`;
    }
    case 'between':
      return sql<boolean>`(${operand(node.operand)} ${node.negated ? sql`NOT BETWEEN` : sql`BETWEEN`} ${operand(node.low, node.operand)} AND ${operand(node.high, node.operand)})`;
    case 'in':
      return sql<boolean>`(${operand(node.operand)} ${node.negated ? sql`NOT IN` : sql`IN`} (${sql.join(node.list.map((item) => operand(item, node.operand)))}))`;
    case 'isNull':
      return sql<boolean>`(${operand(node.operand)} ${node.negated ? sql`IS NOT NULL` : sql`IS NULL`})`;
    case 'sIntersects': {
      if (node.property !== 'geometry') throw new QueryError(parameter, `S_INTERSECTS applies to the property "geometry", not ${JSON.stringify(node.property)}`);
      return sql<boolean>`ST_Intersects(${sql.ref(collection.geometryColumn)}, ST_GeomFromText(${node.wkt}, 4326))`;
    }
  }
}

/** `name=value` query parameters on queryables: equality, with the value typed as the property. */
export function propertyEquals(collection: CollectionDefinition, name: string, value: string): RawBuilder<boolean> {
  const q = queryable(collection, name, name);
  const typed: Literal = q.type === 'boolean' ? (value === 'true' ? true : value === 'false' ? false : value) : value;
  return sql<boolean>`(${columnExpression(q)} = ${literalExpression(typed, q.type, name)})`;
}

export type BBox = [number, number, number, number];

export function parseBbox(text: string): BBox {
  const parts = text.split(',').map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if ((parts.length !== 4 && parts.length !== 6) || parts.some((p) => !Number.isFinite(p))) throw new QueryError('bbox', 'expected minLon,minLat,maxLon,maxLat (4 or 6 numbers)');
  const [minX, minY, maxX, maxY] = parts.length === 6 ? [parts[0]!, parts[1]!, parts[3]!, parts[4]!] : (parts as BBox);
  if (minX < -180 || maxX > 180 || minY < -90 || maxY > 90) throw new QueryError('bbox', 'coordinates out of CRS84 range');
  if (minY > maxY) throw new QueryError('bbox', 'minLat is greater than maxLat');
  if (minX > maxX) throw new QueryError('bbox', 'minLon is greater than maxLon (antimeridian boxes are not supported)');
  return [minX, minY, maxX, maxY];
}

export function bboxExpression(collection: CollectionDefinition, box: BBox): RawBuilder<boolean> {
  const envelope = sql`ST_MakeEnvelope(${box[0]}, ${box[1]}, ${box[2]}, ${box[3]}, 4326)`;
  return sql<boolean>`(${sql.ref(collection.geometryColumn)} && ${envelope} AND ST_Intersects(${sql.ref(collection.geometryColumn)}, ${envelope}))`;
}

/** RFC 3339 instant or interval (`a/b`, open ends `..` or empty), compared on the date. */
export function datetimeExpression(collection: CollectionDefinition, text: string): RawBuilder<boolean> {
  if (!collection.datetimeColumn) throw new QueryError('datetime', `${collection.id} has no temporal property`);
  const column = sql.ref(collection.datetimeColumn);
  const day = (value: string): string => {
    const date = value.slice(0, 10);
    if (!isCalendarDate(date) || Number.isNaN(Date.parse(value))) throw new QueryError('datetime', `${JSON.stringify(value)} is not an RFC 3339 date or date-time`);
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
  for (const item of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const descending = item.startsWith('-');
    const name = item.replace(/^[+-]/, '');
    const q = queryable(collection, name, 'sortby');
    order.push(sql`${columnExpression(q)} ${descending ? sql`DESC` : sql`ASC`} NULLS LAST`);
  }
  // The id breaks ties, so that offset paging returns every feature exactly once.
  order.push(sql`${sql.ref(collection.idColumn)} ASC`);
  return order;
}
