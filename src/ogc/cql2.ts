// CQL2 (OGC 21-065r2): the text encoding parsed by a tokenizer and a recursive-descent parser,
// the JSON encoding read and checked, both to one tree: the CQL2 JSON form itself, so a text
// filter and its JSON twin give equal trees. Parsing accepts any property and function name;
// only filter-sql.ts, at evaluation, checks them against a collection's queryables. Nothing
// here knows SQL.
import type { Geometry, Position } from 'geojson';

export type Interval = { interval: [Expression, Expression] };
export type Operation = { op: string; args: Expression[] };
export type Expression =
  | string
  | number
  | boolean
  | { property: string }
  | { date: string }
  | { timestamp: string }
  | Interval
  | { bbox: number[] }
  | Geometry
  | Expression[]
  | Operation;

export class Cql2SyntaxError extends Error {
  override name = 'Cql2SyntaxError';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} at character ${position + 1}`);
  }
}

// Filters come from URLs; a bound on their size keeps the parser's work bounded too.
export const maxFilterLength = 8192;
// Nesting (parentheses, NOT, function calls, operators) is bounded apart from the length: 2,188
// parentheses fit in 4.4 KB and overflowed the stack of a recursive parser (issue #12). The
// bound holds for the tree too, so the SQL builder's recursion stays as shallow.
export const maxFilterDepth = 100;

/** The standard's operators and functions under their JSON names; text keywords are case-insensitive. */
const standardOps = new Map(
  [
    'and',
    'or',
    'not',
    '=',
    '<>',
    '<',
    '<=',
    '>',
    '>=',
    'like',
    'between',
    'in',
    'isNull',
    'casei',
    'accenti',
    's_intersects',
    's_equals',
    's_disjoint',
    's_touches',
    's_within',
    's_overlaps',
    's_crosses',
    's_contains',
    't_after',
    't_before',
    't_contains',
    't_disjoint',
    't_during',
    't_equals',
    't_finishedBy',
    't_finishes',
    't_intersects',
    't_meets',
    't_metBy',
    't_overlappedBy',
    't_overlaps',
    't_startedBy',
    't_starts',
    'a_equals',
    'a_contains',
    'a_containedBy',
    'a_overlaps',
    '+',
    '-',
    '*',
    '/',
    '%',
    'div',
    '^',
  ].map((name) => [name.toLowerCase(), name]),
);

/** Canonical name of an operation: the standard's spelling, or a custom function's own. */
export function canonicalOp(name: string): string {
  return standardOps.get(name.toLowerCase()) ?? name;
}

const geometryTypes = new Map(
  ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'].map((t) => [
    t.toUpperCase(),
    t,
  ]),
);

const fullDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const utcTimestamp = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;

function isCalendarDate(text: string): boolean {
  if (!fullDate.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** YYYY-MM-DD naming a real day, or null. */
export function canonicalDate(text: string): string | null {
  return isCalendarDate(text) ? text : null;
}

/** An RFC 3339 UTC timestamp with its fraction's trailing zeros dropped (`05:30:00.000Z` = `05:30:00Z`), or null. */
export function canonicalTimestamp(text: string): string | null {
  const m = utcTimestamp.exec(text);
  if (!m || !isCalendarDate(m[1]!) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 60) return null;
  const fraction = (m[5] ?? '').replace(/0+$/, '');
  return `${m[1]}T${m[2]}:${m[3]}:${m[4]}${fraction === '.' ? '' : fraction}Z`;
}

/** An interval bound given as a string: a date, a timestamp or '..' (open). */
function intervalString(text: string): string | null {
  return text === '..' ? text : (canonicalDate(text) ?? canonicalTimestamp(text));
}

/** A linear ring's last position is its first (WKT and GeoJSON both say so). */
function closed(ring: Position[]): boolean {
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  return first.length === last.length && first.every((v, i) => v === last[i]);
}

// ---------------------------------------------------------------------------------------------
// Text encoding

type Token =
  | { type: 'ident'; value: string; quoted: boolean; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; pos: number }
  | { type: 'op'; value: string; pos: number }
  | { type: 'end'; pos: number };

// The BNF's identifierStart ranges; identifierPart is those plus digits, '.', U+203F-U+2040 and U+0300-U+036F
// (combining marks, a range on purpose).
const startRanges =
  String.raw`:_A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFE\u200C-\u200D` +
  String.raw`\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}`;
const partRanges = String.raw`${startRanges}.0-9\u0300-\u036F\u203F-\u2040`;
const identifierStart = new RegExp(`[${startRanges}]`, 'u');
const identifier = new RegExp(`[${startRanges}][${partRanges}]*`, 'uy');
const unsignedNumber = /(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/y;
const whitespace = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (whitespace.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Cql2SyntaxError('unterminated string', start);
        // The BNF's escapeQuote: '' or \'.
        if ((text[i] === "'" && text[i + 1] === "'") || (text[i] === '\\' && text[i + 1] === "'")) {
          value += "'";
          i += 2;
          continue;
        }
        if (text[i] === "'") {
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ type: 'string', value, pos: start });
      continue;
    }
    if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new Cql2SyntaxError('unterminated quoted identifier', start);
      const name = text.slice(i + 1, end);
      identifier.lastIndex = 0;
      const m = identifier.exec(name);
      if (!m || m[0].length !== name.length)
        throw new Cql2SyntaxError(`${JSON.stringify(name)} is not a property name`, start);
      tokens.push({ type: 'ident', value: name, quoted: true, pos: start });
      i = end + 1;
      continue;
    }
    if (/[0-9.]/.test(ch)) {
      unsignedNumber.lastIndex = i;
      const m = unsignedNumber.exec(text);
      if (m) {
        const value = Number(m[0]);
        if (!Number.isFinite(value)) throw new Cql2SyntaxError('number out of range', start);
        tokens.push({ type: 'number', value, pos: start });
        i += m[0].length;
        continue;
      }
    }
    const two = text.slice(i, i + 2);
    if (two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ type: 'op', value: two, pos: start });
      i += 2;
      continue;
    }
    // Signs are operators; the parser folds a sign before a number into the literal.
    if ('=<>(),+-*/%^'.includes(ch)) {
      tokens.push({ type: 'op', value: ch, pos: start });
      i++;
      continue;
    }
    if (identifierStart.test(String.fromCodePoint(text.codePointAt(i)!))) {
      identifier.lastIndex = i;
      const m = identifier.exec(text)!;
      tokens.push({ type: 'ident', value: m[0], quoted: false, pos: start });
      i += m[0].length;
      continue;
    }
    throw new Cql2SyntaxError(`unexpected character ${JSON.stringify(ch)}`, start);
  }
  tokens.push({ type: 'end', pos: text.length });
  return tokens;
}

// Words that cannot be property names unquoted.
const reserved = new Set([
  'AND',
  'OR',
  'NOT',
  'LIKE',
  'ILIKE',
  'BETWEEN',
  'IN',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'DIV',
  'DATE',
  'TIMESTAMP',
  'INTERVAL',
  'BBOX',
  'CASEI',
  'ACCENTI',
  ...geometryTypes.keys(),
]);
const comparisons = new Set(['=', '<>', '<', '<=', '>', '>=']);

class TextParser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }
  private isKeyword(word: string, token = this.peek()): boolean {
    return token.type === 'ident' && !token.quoted && token.value.toUpperCase() === word;
  }
  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.index++;
    return true;
  }
  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) throw new Cql2SyntaxError(`expected ${word}`, this.peek().pos);
  }
  private isOp(value: string, token = this.peek()): boolean {
    return token.type === 'op' && token.value === value;
  }
  private acceptOp(value: string): boolean {
    if (!this.isOp(value)) return false;
    this.index++;
    return true;
  }
  private expectOp(value: string): void {
    if (!this.acceptOp(value)) throw new Cql2SyntaxError(`expected '${value}'`, this.peek().pos);
  }
  /** Every recursive production passes here: the depth bound holds before the stack is at risk. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > maxFilterDepth)
      throw new Cql2SyntaxError(`the filter nests deeper than ${maxFilterDepth} levels`, this.peek().pos);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  parse(): Expression {
    const expression = this.orExpression();
    const rest = this.peek();
    if (rest.type !== 'end') throw new Cql2SyntaxError('unexpected input after the expression', rest.pos);
    return expression;
  }

  private orExpression(): Expression {
    const args = [this.andExpression()];
    while (this.acceptKeyword('OR')) args.push(this.andExpression());
    return args.length === 1 ? args[0]! : { op: 'or', args };
  }

  private andExpression(): Expression {
    const args = [this.notExpression()];
    while (this.acceptKeyword('AND')) args.push(this.notExpression());
    return args.length === 1 ? args[0]! : { op: 'and', args };
  }

  private notExpression(): Expression {
    if (this.acceptKeyword('NOT')) return { op: 'not', args: [this.nested(() => this.notExpression())] };
    return this.predicate();
  }

  private predicate(): Expression {
    const left = this.additive();
    const negated = this.acceptKeyword('NOT');
    const not = (e: Expression): Expression => (negated ? { op: 'not', args: [e] } : e);
    if (this.acceptKeyword('LIKE')) return not({ op: 'like', args: [left, this.additive()] });
    // ILIKE is not CQL2 (which has CASEI()), but GDAL's OAPIF driver sends it.
    if (this.acceptKeyword('ILIKE'))
      return not({
        op: 'like',
        args: [
          { op: 'casei', args: [left] },
          { op: 'casei', args: [this.additive()] },
        ],
      });
    if (this.acceptKeyword('BETWEEN')) {
      const low = this.additive();
      this.expectKeyword('AND');
      return not({ op: 'between', args: [left, low, this.additive()] });
    }
    if (this.acceptKeyword('IN')) {
      this.expectOp('(');
      const list = [this.additive()];
      while (this.acceptOp(',')) list.push(this.additive());
      this.expectOp(')');
      return not({ op: 'in', args: [left, list] });
    }
    if (negated) throw new Cql2SyntaxError('expected LIKE, BETWEEN or IN after NOT', this.peek().pos);
    if (this.acceptKeyword('IS')) {
      const isNot = this.acceptKeyword('NOT');
      this.expectKeyword('NULL');
      const isNull: Expression = { op: 'isNull', args: [left] };
      return isNot ? { op: 'not', args: [isNull] } : isNull;
    }
    const token = this.peek();
    if (token.type === 'op' && comparisons.has(token.value)) {
      this.index++;
      return { op: token.value, args: [left, this.additive()] };
    }
    return left;
  }

  // arithmeticExpression: + and - over *, /, % and div over ^ over unary minus, left-associative.
  private additive(): Expression {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.next() as { value: string }).value;
      left = { op, args: [left, this.multiplicative()] };
    }
    return left;
  }

  private multiplicative(): Expression {
    let left = this.power();
    for (;;) {
      const token = this.peek();
      const op =
        token.type === 'op' && ['*', '/', '%'].includes(token.value)
          ? token.value
          : this.isKeyword('DIV')
            ? 'div'
            : undefined;
      if (!op) return left;
      this.index++;
      left = { op, args: [left, this.power()] };
    }
  }

  private power(): Expression {
    const base = this.unary();
    if (!this.acceptOp('^')) return base;
    return { op: '^', args: [base, this.unary()] };
  }

  private unary(): Expression {
    if (this.isOp('-') || this.isOp('+')) {
      const sign = (this.next() as { value: string }).value;
      const operand = this.nested(() => this.unary());
      if (sign === '+') return operand;
      // A negative literal stays a literal; a negated expression is -1 times it, as the
      // standard's own example 85 writes it.
      return typeof operand === 'number' ? -operand : { op: '*', args: [-1, operand] };
    }
    return this.primary();
  }

  private primary(): Expression {
    const token = this.next();
    switch (token.type) {
      case 'string':
        return token.value;
      case 'number':
        return token.value;
      case 'op':
        if (token.value !== '(') break;
        return this.nested(() => {
          // '(' ')' is the empty array, '(' a, b ')' an array, '(' a ')' a parenthesised expression.
          if (this.acceptOp(')')) return [];
          const first = this.orExpression();
          if (this.acceptOp(')')) return first;
          const items = [first];
          while (this.acceptOp(',')) items.push(this.orExpression());
          this.expectOp(')');
          return items;
        });
      case 'ident': {
        if (token.quoted) return { property: token.value };
        const upper = token.value.toUpperCase();
        if (upper === 'TRUE' || upper === 'FALSE') return upper === 'TRUE';
        if (upper === 'DATE' || upper === 'TIMESTAMP') return this.instant(upper, token.pos);
        if (upper === 'INTERVAL') return this.interval();
        if (upper === 'BBOX') return this.bbox();
        const geometryType = geometryTypes.get(upper);
        if (geometryType && (this.isOp('(') || (this.isKeyword('Z') && this.isOp('(', this.peek(1))))) {
          this.acceptKeyword('Z');
          return this.nested(() => this.geometry(geometryType));
        }
        if (this.isOp('(')) {
          this.index++;
          return this.nested(() => {
            const args: Expression[] = [];
            if (!this.acceptOp(')')) {
              do args.push(this.orExpression());
              while (this.acceptOp(','));
              this.expectOp(')');
            }
            return { op: canonicalOp(token.value), args };
          });
        }
        if (reserved.has(upper)) throw new Cql2SyntaxError(`unexpected ${upper}`, token.pos);
        return { property: token.value };
      }
    }
    throw new Cql2SyntaxError('expected a property, a value or a function', token.pos);
  }

  private quoted(what: string): string {
    const token = this.next();
    if (token.type !== 'string') throw new Cql2SyntaxError(`${what} takes a quoted value`, token.pos);
    return token.value;
  }

  private instant(kind: 'DATE' | 'TIMESTAMP', pos: number): Expression {
    this.expectOp('(');
    const text = this.quoted(kind);
    this.expectOp(')');
    const value = kind === 'DATE' ? canonicalDate(text) : canonicalTimestamp(text);
    if (!value) throw new Cql2SyntaxError(`invalid ${kind} value ${JSON.stringify(text)}`, pos);
    return kind === 'DATE' ? { date: value } : { timestamp: value };
  }

  private interval(): Expression {
    this.expectOp('(');
    const bound = (): Expression => {
      const token = this.peek();
      if (token.type === 'string') {
        this.index++;
        const value = intervalString(token.value);
        if (!value) throw new Cql2SyntaxError(`invalid interval bound ${JSON.stringify(token.value)}`, token.pos);
        return value;
      }
      return this.nested(() => this.additive());
    };
    const start = bound();
    this.expectOp(',');
    const end = bound();
    this.expectOp(')');
    return { interval: [start, end] };
  }

  private signedNumber(): number {
    let sign = 1;
    while (this.isOp('-') || this.isOp('+')) if ((this.next() as { value: string }).value === '-') sign = -sign;
    const token = this.next();
    if (token.type !== 'number') throw new Cql2SyntaxError('expected a number', token.pos);
    return sign * token.value;
  }

  private bbox(): Expression {
    this.expectOp('(');
    const values = [this.signedNumber()];
    while (this.acceptOp(',')) values.push(this.signedNumber());
    this.expectOp(')');
    if (values.length !== 4 && values.length !== 6)
      throw new Cql2SyntaxError('BBOX takes 4 or 6 numbers', this.peek().pos);
    return { bbox: values };
  }

  // WKT: positions are 2 or 3 numbers separated by spaces; lists are parenthesised.
  private position(): Position {
    const position = [this.signedNumber(), this.signedNumber()];
    if (this.peek().type === 'number' || this.isOp('-') || this.isOp('+')) position.push(this.signedNumber());
    return position;
  }
  private list<T>(item: () => T): T[] {
    this.expectOp('(');
    const items = [item()];
    while (this.acceptOp(',')) items.push(item());
    this.expectOp(')');
    return items;
  }
  private points(min: number, what: string): Position[] {
    const pos = this.peek().pos;
    const points = this.list(() => this.position());
    if (points.length < min) throw new Cql2SyntaxError(`a ${what} needs at least ${min} positions`, pos);
    return points;
  }

  private ring(): Position[] {
    const pos = this.peek().pos;
    const ring = this.points(4, 'linear ring');
    if (!closed(ring)) throw new Cql2SyntaxError('a linear ring ends where it starts', pos);
    return ring;
  }

  private geometry(type: string): Geometry {
    switch (type) {
      case 'Point':
        return { type, coordinates: this.points(1, 'point')[0]! };
      case 'LineString':
        return { type, coordinates: this.points(2, 'line string') };
      case 'Polygon':
        return { type, coordinates: this.list(() => this.ring()) };
      case 'MultiPoint':
        // Both MULTIPOINT ((1 2), (3 4)) and the common MULTIPOINT (1 2, 3 4).
        return { type, coordinates: this.list(() => (this.isOp('(') ? this.points(1, 'point')[0]! : this.position())) };
      case 'MultiLineString':
        return { type, coordinates: this.list(() => this.points(2, 'line string')) };
      case 'MultiPolygon':
        return { type, coordinates: this.list(() => this.list(() => this.ring())) };
      default:
        return {
          type: 'GeometryCollection',
          geometries: this.list(() => {
            const token = this.next();
            const member =
              token.type === 'ident' && !token.quoted ? geometryTypes.get(token.value.toUpperCase()) : undefined;
            if (!member || member === 'GeometryCollection') throw new Cql2SyntaxError('expected a geometry', token.pos);
            this.acceptKeyword('Z');
            return this.geometry(member);
          }),
        };
    }
  }
}

export function parseCql2Text(text: string): Expression {
  if (text.length > maxFilterLength) throw new Cql2SyntaxError(`filter longer than ${maxFilterLength} characters`);
  return checkDepth(new TextParser(tokenize(text)).parse());
}

/**
 * The tree's depth, measured without recursion: a long chain of left-associative operators
 * (`a + b + c + …`) is parsed by a loop but still nests one level per operator.
 */
function checkDepth(expression: Expression): Expression {
  const stack: [unknown, number][] = [[expression, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > maxFilterDepth) throw new Cql2SyntaxError(`the filter nests deeper than ${maxFilterDepth} levels`);
    if (Array.isArray(node)) for (const child of node) stack.push([child, depth + 1]);
    else if (node && typeof node === 'object') {
      if ('args' in node && Array.isArray(node.args)) for (const child of node.args) stack.push([child, depth + 1]);
      if ('interval' in node && Array.isArray(node.interval))
        for (const child of node.interval) stack.push([child, depth + 1]);
    }
  }
  return expression;
}

// ---------------------------------------------------------------------------------------------
// JSON encoding (cql2.json): checked node by node with the same depth bound.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonError(message: string, path: string): Cql2SyntaxError {
  return new Cql2SyntaxError(`${message} at ${path || 'the root'}`);
}

function readPosition(value: unknown, path: string): Position {
  if (
    !Array.isArray(value) ||
    value.length < 2 ||
    value.length > 3 ||
    !value.every((n) => typeof n === 'number' && Number.isFinite(n))
  )
    throw jsonError('a position is 2 or 3 numbers', path);
  return value as Position;
}

function readPositions(value: unknown, min: number, path: string): Position[] {
  if (!Array.isArray(value) || value.length < min) throw jsonError(`expected at least ${min} positions`, path);
  return value.map((p, i) => readPosition(p, `${path}/${i}`));
}

function readRing(value: unknown, path: string): Position[] {
  const ring = readPositions(value, 4, path);
  if (!closed(ring)) throw jsonError('a linear ring ends where it starts', path);
  return ring;
}

function readList<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) throw jsonError('expected a non-empty array', path);
  return value.map((v, i) => item(v, `${path}/${i}`));
}

function readGeometry(value: Record<string, unknown>, path: string, nested = false): Geometry {
  const c = value.coordinates;
  const at = `${path}/coordinates`;
  switch (value.type) {
    case 'Point':
      return { type: 'Point', coordinates: readPosition(c, at) };
    case 'LineString':
      return { type: 'LineString', coordinates: readPositions(c, 2, at) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: readList(c, at, readRing) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: readList(c, at, readPosition) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: readList(c, at, (l, p) => readPositions(l, 2, p)) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: readList(c, at, (poly, p) => readList(poly, p, readRing)) };
    case 'GeometryCollection':
      if (nested) break;
      return {
        type: 'GeometryCollection',
        geometries: readList(value.geometries, `${path}/geometries`, (g, p) => {
          if (!isObject(g)) throw jsonError('expected a geometry', p);
          return readGeometry(g, p, true);
        }),
      };
  }
  throw jsonError(`${JSON.stringify(value.type)} is not a geometry type`, `${path}/type`);
}

function readJson(value: unknown, path: string, depth: number): Expression {
  if (depth > maxFilterDepth) throw new Cql2SyntaxError(`the filter nests deeper than ${maxFilterDepth} levels`);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw jsonError('a number is out of range', path);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => readJson(v, `${path}/${i}`, depth + 1));
  if (!isObject(value)) throw jsonError('expected an expression', path);
  const keys = Object.keys(value);
  const only = (...allowed: string[]) => {
    const extra = keys.find((k) => !allowed.includes(k));
    if (extra) throw jsonError(`unexpected member ${JSON.stringify(extra)}`, path);
  };
  if ('op' in value) {
    only('op', 'args');
    if (typeof value.op !== 'string' || value.op === '') throw jsonError('"op" is a name', `${path}/op`);
    const args = value.args ?? [];
    if (!Array.isArray(args)) throw jsonError('"args" is an array', `${path}/args`);
    return { op: canonicalOp(value.op), args: args.map((a, i) => readJson(a, `${path}/args/${i}`, depth + 1)) };
  }
  if ('property' in value) {
    only('property');
    if (typeof value.property !== 'string' || value.property === '')
      throw jsonError('"property" is a name', `${path}/property`);
    return { property: value.property };
  }
  if ('date' in value) {
    only('date');
    const date = typeof value.date === 'string' ? canonicalDate(value.date) : null;
    if (!date) throw jsonError(`invalid date ${JSON.stringify(value.date)}`, `${path}/date`);
    return { date };
  }
  if ('timestamp' in value) {
    only('timestamp');
    const timestamp = typeof value.timestamp === 'string' ? canonicalTimestamp(value.timestamp) : null;
    if (!timestamp) throw jsonError(`invalid timestamp ${JSON.stringify(value.timestamp)}`, `${path}/timestamp`);
    return { timestamp };
  }
  if ('interval' in value) {
    only('interval');
    const bounds = value.interval;
    if (!Array.isArray(bounds) || bounds.length !== 2)
      throw jsonError('an interval has two bounds', `${path}/interval`);
    const read = (bound: unknown, i: number): Expression => {
      if (typeof bound !== 'string') return readJson(bound, `${path}/interval/${i}`, depth + 1);
      const text = intervalString(bound);
      if (!text) throw jsonError(`invalid interval bound ${JSON.stringify(bound)}`, `${path}/interval/${i}`);
      return text;
    };
    return { interval: [read(bounds[0], 0), read(bounds[1], 1)] };
  }
  if ('bbox' in value) {
    only('bbox');
    const box = value.bbox;
    if (
      !Array.isArray(box) ||
      (box.length !== 4 && box.length !== 6) ||
      !box.every((n) => typeof n === 'number' && Number.isFinite(n))
    )
      throw jsonError('a bbox is 4 or 6 numbers', `${path}/bbox`);
    return { bbox: box as number[] };
  }
  if ('type' in value) return readGeometry(value, path);
  throw jsonError('expected an expression', path);
}

/** A CQL2 JSON filter, as text (a query parameter) or already parsed (a request body). */
export function parseCql2Json(input: string | unknown): Expression {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > maxFilterLength) throw new Cql2SyntaxError(`filter longer than ${maxFilterLength} characters`);
    try {
      value = JSON.parse(input);
    } catch {
      throw new Cql2SyntaxError('the filter is not valid JSON');
    }
  }
  return readJson(value, '', 1);
}
