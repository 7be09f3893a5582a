/**
 * @module The subset of Airtable's formula language a sync needs in `filterByFormula`: field references
 * `{Name}`, string/number literals, `= != < > <= >=`, `AND OR NOT`, `IS_AFTER IS_BEFORE IS_SAME`,
 * `LAST_MODIFIED_TIME() CREATED_TIME() RECORD_ID() DATETIME_PARSE(s) TRUE() FALSE() BLANK()`.
 * Anything else is refused (422 INVALID_FILTER_BY_FORMULA) rather than silently matching everything.
 */

export type FormulaValue = string | number | boolean | null | { ms: number };

export interface FormulaRecord {
  id: string;
  createdMs: number;
  lastModifiedMs: number;
  field(name: string): unknown;
}

type Node =
  | { t: 'lit'; v: FormulaValue }
  | { t: 'field'; name: string }
  | { t: 'call'; name: string; args: Node[] }
  | { t: 'cmp'; op: string; a: Node; b: Node };

export class FormulaError extends Error {}

export function parseFormula(source: string): Node {
  let i = 0;
  const ws = () => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  const term = (): Node => {
    ws();
    const c = source[i];
    if (c === "'" || c === '"') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new FormulaError('unterminated string');
      const v = source.slice(i + 1, end);
      i = end + 1;
      return { t: 'lit', v };
    }
    if (c === '{') {
      const end = source.indexOf('}', i);
      if (end < 0) throw new FormulaError('unterminated field reference');
      const name = source.slice(i + 1, end);
      i = end + 1;
      return { t: 'field', name };
    }
    const num = /^-?\d+(\.\d+)?/.exec(source.slice(i));
    if (num) {
      i += num[0].length;
      return { t: 'lit', v: Number(num[0]) };
    }
    const ident = /^[A-Z_]+/.exec(source.slice(i));
    if (!ident) throw new FormulaError(`unexpected "${source.slice(i, i + 10)}"`);
    i += ident[0].length;
    ws();
    if (source[i] !== '(') throw new FormulaError(`expected ( after ${ident[0]}`);
    i++;
    const args: Node[] = [];
    ws();
    if (source[i] === ')') i++;
    else {
      for (;;) {
        args.push(expr());
        ws();
        if (source[i] === ',') i++;
        else if (source[i] === ')') {
          i++;
          break;
        } else throw new FormulaError('expected , or )');
      }
    }
    return { t: 'call', name: ident[0], args };
  };
  const expr = (): Node => {
    const a = term();
    ws();
    const op = /^(!=|<=|>=|=|<|>)/.exec(source.slice(i));
    if (!op) return a;
    i += op[0].length;
    return { t: 'cmp', op: op[0], a, b: term() };
  };
  const node = expr();
  ws();
  if (i !== source.length) throw new FormulaError(`unexpected "${source.slice(i, i + 10)}"`);
  return node;
}

const KNOWN = new Set([
  'AND',
  'OR',
  'NOT',
  'IS_AFTER',
  'IS_BEFORE',
  'IS_SAME',
  'LAST_MODIFIED_TIME',
  'CREATED_TIME',
  'RECORD_ID',
  'DATETIME_PARSE',
  'TRUE',
  'FALSE',
  'BLANK',
]);

/** Checks function names and field references before any record is evaluated. */
export function validateFormula(node: Node, hasField: (name: string) => boolean): void {
  if (node.t === 'field' && !hasField(node.name)) throw new FormulaError(`Unknown field names: ${node.name}`);
  if (node.t === 'call') {
    if (!KNOWN.has(node.name)) throw new FormulaError(`unsupported function ${node.name}`);
    node.args.forEach((a) => validateFormula(a, hasField));
  }
  if (node.t === 'cmp') {
    validateFormula(node.a, hasField);
    validateFormula(node.b, hasField);
  }
}

const toMs = (v: FormulaValue): number | undefined => {
  if (v && typeof v === 'object') return v.ms;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

const truthy = (v: FormulaValue) => v !== null && v !== '' && v !== 0 && v !== false;

function scalar(v: unknown): FormulaValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

export function evaluate(node: Node, record: FormulaRecord): FormulaValue {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'field':
      return scalar(record.field(node.name));
    case 'cmp': {
      const a = evaluate(node.a, record);
      const b = evaluate(node.b, record);
      const am = typeof a === 'object' && a ? a.ms : a;
      const bm = typeof b === 'object' && b ? b.ms : b;
      const [x, y] = [am ?? '', bm ?? ''];
      switch (node.op) {
        case '=':
          return x === y || String(x) === String(y);
        case '!=':
          return !(x === y || String(x) === String(y));
        case '<':
          return x < y;
        case '>':
          return x > y;
        case '<=':
          return x <= y;
        default:
          return x >= y;
      }
    }
    case 'call': {
      const args = node.args.map((a) => evaluate(a, record));
      switch (node.name) {
        case 'AND':
          return args.every(truthy);
        case 'OR':
          return args.some(truthy);
        case 'NOT':
          return !truthy(args[0] ?? null);
        case 'TRUE':
          return true;
        case 'FALSE':
          return false;
        case 'BLANK':
          return null;
        case 'RECORD_ID':
          return record.id;
        case 'LAST_MODIFIED_TIME':
          return { ms: record.lastModifiedMs };
        case 'CREATED_TIME':
          return { ms: record.createdMs };
        case 'DATETIME_PARSE': {
          const ms = toMs(args[0] ?? null);
          return ms === undefined ? null : { ms };
        }
        default: {
          // IS_AFTER / IS_BEFORE / IS_SAME compare two dates.
          const a = toMs(args[0] ?? null);
          const b = toMs(args[1] ?? null);
          if (a === undefined || b === undefined) return false;
          return node.name === 'IS_AFTER' ? a > b : node.name === 'IS_BEFORE' ? a < b : a === b;
        }
      }
    }
  }
}
