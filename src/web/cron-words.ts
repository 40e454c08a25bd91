// Five-field cron in words, for the job editor ("At 02:00, Monday to Friday"), and the plain-words
// reason when an expression cannot be read. The schedules service (croner) stays the authority
// on what runs when; this only explains. Handles what people write: numbers, lists, ranges,
// steps, `*`, and day/month names; anything else (L, W, #, ?) is described as "a custom pattern".

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAY_NAMES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const MONTH_NAMES: Record<string, number> = Object.fromEntries(MONTHS.map((m, i) => [m.slice(0, 3).toUpperCase(), i + 1]));

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const FIELDS: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of the month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  // 7 is Sunday too, as in most crons.
  { name: "weekday", min: 0, max: 7, names: DAY_NAMES },
];

/** One field: `*`, or a list of values, ranges `a-b` and steps `x/n`. */
type Part = { kind: "any"; step: number } | { kind: "range"; from: number; to: number; step: number };

export class CronWordsError extends Error {}

function value(raw: string, f: FieldSpec): number {
  const upper = raw.toUpperCase();
  if (f.names && upper in f.names) return f.names[upper]!;
  if (!/^\d+$/.test(raw)) throw new CronWordsError(`"${raw}" is not a ${f.name} (use a number from ${f.min} to ${f.max}${f.names ? " or a name like " + Object.keys(f.names)[1] : ""})`);
  const n = Number(raw);
  if (n < f.min || n > f.max) throw new CronWordsError(`The ${f.name} must be from ${f.min} to ${f.max}; ${n} is out of range`);
  return n;
}

function parseField(raw: string, f: FieldSpec): Part[] {
  return raw.split(",").map((item) => {
    if (item === "") throw new CronWordsError(`The ${f.name} has an empty item in its list`);
    const [base, stepRaw, extra] = item.split("/");
    if (extra !== undefined) throw new CronWordsError(`The ${f.name} "${item}" has more than one "/"`);
    let step = 1;
    if (stepRaw !== undefined) {
      if (!/^\d+$/.test(stepRaw) || Number(stepRaw) < 1) throw new CronWordsError(`The step "/${stepRaw}" of the ${f.name} must be a whole number of at least 1`);
      step = Number(stepRaw);
    }
    if (base === "*") return { kind: "any", step };
    const [a, b, more] = base!.split("-");
    if (more !== undefined) throw new CronWordsError(`The ${f.name} range "${base}" has more than one "-"`);
    const from = value(a!, f);
    const to = b === undefined ? (stepRaw !== undefined ? f.max : from) : value(b, f);
    if (to < from) throw new CronWordsError(`The ${f.name} range "${base}" runs backwards`);
    return { kind: "range", from, to, step };
  });
}

const pad = (n: number) => String(n).padStart(2, "0");

function listWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The single values of a field, or null when it is a step or a wide range. */
function singles(parts: Part[]): number[] | null {
  const out: number[] = [];
  for (const p of parts) {
    if (p.kind === "any" || p.step !== 1 || p.to !== p.from) return null;
    out.push(p.from);
  }
  return out;
}

function partWords(p: Part, f: FieldSpec, name: (n: number) => string): string {
  if (p.kind === "any") return p.step === 1 ? `every ${f.name}` : `every ${p.step} ${f.name}s`;
  if (p.from === p.to) return name(p.from);
  const range = `${name(p.from)} to ${name(p.to)}`;
  return p.step === 1 ? range : `every ${p.step} ${f.name}s from ${range}`;
}

function timeWords(min: Part[], hour: Part[]): string {
  const ms = singles(min);
  const hs = singles(hour);
  if (ms && hs && ms.length * hs.length <= 6) {
    const times: string[] = [];
    for (const h of hs) for (const m of ms) times.push(`${pad(h)}:${pad(m)}`);
    return `At ${listWords(times)}`;
  }
  const minute = min.length === 1 && min[0]!.kind === "any" ? (min[0]!.step === 1 ? "Every minute" : `Every ${min[0]!.step} minutes`) : null;
  const minuteList = ms ? `At minute ${listWords(ms.map(String))}` : (minute ?? `At minutes ${listWords(min.map((p) => partWords(p, FIELDS[0]!, String)))}`);
  if (hour.length === 1 && hour[0]!.kind === "any" && hour[0]!.step === 1) return minute ?? `${minuteList} of every hour`;
  if (hour.length === 1 && hour[0]!.kind === "any") return `${minute ?? minuteList}, every ${hour[0]!.step} hours`;
  if (hour.length === 1 && hour[0]!.kind === "range" && hour[0]!.step === 1 && minute) return `${minute} from ${pad(hour[0]!.from)}:00 to ${pad(hour[0]!.to)}:59`;
  const hourText = hs ? `past ${listWords(hs.map((h) => `${pad(h)}:00`))}` : `during ${listWords(hour.map((p) => partWords(p, FIELDS[1]!, (h) => `${pad(h)}:00`)))}`;
  if (minute) return `${minute} ${hs ? `from ${listWords(hs.map((h) => `${pad(h)}:00`))} to ${listWords(hs.map((h) => `${pad(h)}:59`))}` : hourText}`;
  return `${minuteList}, ${hourText}`;
}

const dayName = (d: number) => DAYS[d % 7]!;
const monthName = (m: number) => MONTHS[m - 1]!;

/**
 * "At 02:00, Monday to Friday" for `0 2 * * 1-5`. Throws CronWordsError with the reason in
 * plain words when the expression is not five readable fields.
 */
export function describeCron(expression: string): string {
  const text = expression.trim();
  if (text === "") throw new CronWordsError("Enter a cron expression: five fields, minute hour day month weekday (e.g. 0 2 * * 1-5)");
  const raw = text.split(/\s+/);
  if (raw.length !== 5) throw new CronWordsError(`A cron expression has five fields (minute hour day month weekday); this one has ${raw.length}`);
  if (raw.some((r) => /[LW#?]/i.test(r) && !/^[A-Z,-]+$/i.test(r))) return "A custom pattern (see the next runs below)";
  const [min, hour, dom, month, dow] = raw.map((r, i) => parseField(r, FIELDS[i]!)) as [Part[], Part[], Part[], Part[], Part[]];
  const words = [timeWords(min, hour)];
  const anyDom = dom.length === 1 && dom[0]!.kind === "any" && dom[0]!.step === 1;
  const anyDow = dow.length === 1 && dow[0]!.kind === "any" && dow[0]!.step === 1;
  if (!anyDom) words.push(`on day ${listWords(dom.map((p) => partWords(p, FIELDS[2]!, String)))} of the month`);
  if (!anyDow) {
    const one = singles(dow);
    const days = (one ? "on " : "") + listWords(dow.map((p) => partWords(p, FIELDS[4]!, dayName)));
    // Both set: cron runs when either matches.
    words.push(anyDom ? days : `or ${one ? "" : "on "}${days}`);
  }
  if (!(month.length === 1 && month[0]!.kind === "any" && month[0]!.step === 1)) words.push(`in ${listWords(month.map((p) => partWords(p, FIELDS[3]!, monthName)))}`);
  return words.join(", ");
}

/** The words, or the reason it cannot be read: what the editor shows under the field. */
export function cronWords(expression: string | null | undefined): { words: string | null; error: string | null } {
  try {
    return { words: describeCron(expression ?? ""), error: null };
  } catch (err) {
    if (err instanceof CronWordsError) return { words: null, error: err.message };
    throw err;
  }
}
