// CQL2 text (OGC 21-065, the subset Part 3 "basic-cql2" + advanced comparisons + S_INTERSECTS):
// a tokenizer and a recursive-descent parser to a small AST. Nothing here knows SQL; the AST is
// translated to parameterised Kysely expressions in filter-sql.ts, after property names have
// been checked against the collection's queryables.

export type Literal = string | number | boolean | { date: string } | { timestamp: string };

export type Operand = { kind: 'property'; name: string } | { kind: 'literal'; value: Literal };

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type FilterNode =
  | { op: 'and' | 'or'; args: FilterNode[] }
  | { op: 'not'; arg: FilterNode }
  | { op: 'compare'; operator: ComparisonOperator; left: Operand; right: Operand }
  | { op: 'like'; negated: boolean; caseInsensitive: boolean; left: Operand; pattern: Operand }
  | { op: 'between'; negated: boolean; operand: Operand; low: Operand; high: Operand }
  | { op: 'in'; negated: boolean; operand: Operand; list: Operand[] }
  | { op: 'isNull'; negated: boolean; operand: Operand }
  | { op: 'sIntersects'; property: string; wkt: string }
  | { op: 'literal'; value: boolean };

export class Cql2SyntaxError extends Error {
  override name = 'Cql2SyntaxError';
  constructor(message: string, readonly position: number) {
    super(`${message} at character ${position + 1}`);
  }
}

type Token =
  | { type: 'ident'; value: string; quoted: boolean; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; pos: number }
  | { type: 'op'; value: string; pos: number }
  | { type: 'wkt'; value: string; pos: number }
  | { type: 'end'; pos: number };

const wktKeywords = new Set(['POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON']);
// A WKT body holds only numbers, signs, exponents, commas, spaces and parentheses: anything
// else (a quote, a semicolon) is refused before it can reach the database.
const wktBody = /^\(\s*[-+0-9.eE,\s()]*\)$/;
// Filters come from URLs; a bound on their size keeps the parser's work bounded too.
export const maxFilterLength = 8192;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Cql2SyntaxError('unterminated string', start);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
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
      tokens.push({ type: 'ident', value: text.slice(i + 1, end), quoted: true, pos: start });
      i = end + 1;
      continue;
    }
    const number = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
    const previous = tokens[tokens.length - 1];
    // A leading sign belongs to a number only where an operand is expected.
    const signAllowed = !previous || previous.type === 'op' || (previous.type === 'ident' && !previous.quoted && /^(AND|OR|NOT|BETWEEN|IN|LIKE|ILIKE)$/i.test(previous.value));
    if (number && (/\d|\./.test(ch) || signAllowed)) {
      tokens.push({ type: 'number', value: Number(number[0]), pos: start });
      i += number[0].length;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ type: 'op', value: two, pos: start });
      i += 2;
      continue;
    }
    if ('=<>(),'.includes(ch)) {
      tokens.push({ type: 'op', value: ch, pos: start });
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.:]*/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      const upper = word[0].toUpperCase();
      if (wktKeywords.has(upper)) {
        // Capture the balanced parenthesised body as one token.
        while (i < text.length && /\s/.test(text[i]!)) i++;
        if (text[i] !== '(') throw new Cql2SyntaxError(`expected '(' after ${upper}`, i);
        let depth = 0;
        let j = i;
        for (; j < text.length; j++) {
          if (text[j] === '(') depth++;
          else if (text[j] === ')' && --depth === 0) break;
        }
        if (depth !== 0) throw new Cql2SyntaxError('unbalanced parentheses in geometry', i);
        const body = text.slice(i, j + 1);
        if (!wktBody.test(body)) throw new Cql2SyntaxError(`invalid ${upper} coordinates`, i);
        tokens.push({ type: 'wkt', value: `${upper}${body}`, pos: start });
        i = j + 1;
        continue;
      }
      tokens.push({ type: 'ident', value: word[0], quoted: false, pos: start });
      continue;
    }
    throw new Cql2SyntaxError(`unexpected character ${JSON.stringify(ch)}`, start);
  }
  tokens.push({ type: 'end', pos: text.length });
  return tokens;
}

const reserved = new Set(['AND', 'OR', 'NOT', 'LIKE', 'ILIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE', 'DATE', 'TIMESTAMP', 'S_INTERSECTS']);

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index]!;
  }
  private next(): Token {
    return this.tokens[this.index++]!;
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
  private acceptOp(value: string): boolean {
    const token = this.peek();
    if (token.type === 'op' && token.value === value) {
      this.index++;
      return true;
    }
    return false;
  }
  private expectOp(value: string): void {
    if (!this.acceptOp(value)) throw new Cql2SyntaxError(`expected '${value}'`, this.peek().pos);
  }

  parse(): FilterNode {
    const node = this.orExpression();
    const rest = this.peek();
    if (rest.type !== 'end') throw new Cql2SyntaxError('unexpected input after the expression', rest.pos);
    return node;
  }

  private orExpression(): FilterNode {
    const args = [this.andExpression()];
    while (this.acceptKeyword('OR')) args.push(this.andExpression());
    return args.length === 1 ? args[0]! : { op: 'or', args };
  }

  private andExpression(): FilterNode {
    const args = [this.notExpression()];
    while (this.acceptKeyword('AND')) args.push(this.notExpression());
    return args.length === 1 ? args[0]! : { op: 'and', args };
  }

  private notExpression(): FilterNode {
    if (this.acceptKeyword('NOT')) return { op: 'not', arg: this.notExpression() };
    return this.predicate();
  }

  private predicate(): FilterNode {
    const token = this.peek();
    if (token.type === 'op' && token.value === '(') {
      this.index++;
      const inner = this.orExpression();
      this.expectOp(')');
      return inner;
    }
    if (this.isKeyword('S_INTERSECTS')) {
      this.index++;
      this.expectOp('(');
      const first = this.next();
      const second = (this.expectOp(','), this.next());
      this.expectOp(')');
      const property = first.type === 'ident' ? first : second.type === 'ident' ? second : undefined;
      const geometry = first.type === 'wkt' ? first : second.type === 'wkt' ? second : undefined;
      if (!property || !geometry || reserved.has(property.value.toUpperCase())) throw new Cql2SyntaxError('S_INTERSECTS takes a property and a WKT geometry', token.pos);
      return { op: 'sIntersects', property: property.value, wkt: geometry.value };
    }
    const left = this.operand();
    if (left.kind === 'literal' && typeof left.value === 'boolean' && this.endsPredicate()) return { op: 'literal', value: left.value };
    const negated = this.acceptKeyword('NOT');
    if (this.acceptKeyword('LIKE')) return { op: 'like', negated, caseInsensitive: false, left, pattern: this.operand() };
    // ILIKE is not CQL2 (which has CASEI()), but GDAL's OAPIF driver sends it.
    if (this.acceptKeyword('ILIKE')) return { op: 'like', negated, caseInsensitive: true, left, pattern: this.operand() };
    if (this.acceptKeyword('BETWEEN')) {
      const low = this.operand();
      this.expectKeyword('AND');
      return { op: 'between', negated, operand: left, low, high: this.operand() };
    }
    if (this.acceptKeyword('IN')) {
      this.expectOp('(');
      const list = [this.operand()];
      while (this.acceptOp(',')) list.push(this.operand());
      this.expectOp(')');
      return { op: 'in', negated, operand: left, list };
    }
    if (negated) throw new Cql2SyntaxError('expected LIKE, BETWEEN or IN after NOT', this.peek().pos);
    if (this.acceptKeyword('IS')) {
      const isNot = this.acceptKeyword('NOT');
      this.expectKeyword('NULL');
      return { op: 'isNull', negated: isNot, operand: left };
    }
    const op = this.next();
    if (op.type !== 'op' || !['=', '<>', '<', '<=', '>', '>='].includes(op.value)) throw new Cql2SyntaxError('expected a comparison operator', op.pos);
    return { op: 'compare', operator: op.value as ComparisonOperator, left, right: this.operand() };
  }

  private endsPredicate(): boolean {
    const token = this.peek();
    return token.type === 'end' || (token.type === 'op' && token.value === ')') || this.isKeyword('AND') || this.isKeyword('OR');
  }

  private operand(): Operand {
    const token = this.next();
    if (token.type === 'string') return { kind: 'literal', value: token.value };
    if (token.type === 'number') return { kind: 'literal', value: token.value };
    if (token.type === 'ident') {
      const upper = token.value.toUpperCase();
      if (!token.quoted && (upper === 'TRUE' || upper === 'FALSE')) return { kind: 'literal', value: upper === 'TRUE' };
      if (!token.quoted && (upper === 'DATE' || upper === 'TIMESTAMP')) {
        this.expectOp('(');
        const value = this.next();
        if (value.type !== 'string') throw new Cql2SyntaxError(`${upper} takes a quoted value`, value.pos);
        this.expectOp(')');
        const ok = upper === 'DATE' ? /^\d{4}-\d{2}-\d{2}$/.test(value.value) : !Number.isNaN(Date.parse(value.value));
        if (!ok) throw new Cql2SyntaxError(`invalid ${upper} value`, value.pos);
        return { kind: 'literal', value: upper === 'DATE' ? { date: value.value } : { timestamp: value.value } };
      }
      if (!token.quoted && reserved.has(upper)) throw new Cql2SyntaxError(`unexpected ${upper}`, token.pos);
      return { kind: 'property', name: token.value };
    }
    throw new Cql2SyntaxError('expected a property or a value', token.pos);
  }
}

export function parseCql2Text(text: string): FilterNode {
  if (text.length > maxFilterLength) throw new Cql2SyntaxError(`filter longer than ${maxFilterLength} characters`, maxFilterLength);
  return new Parser(tokenize(text)).parse();
}
