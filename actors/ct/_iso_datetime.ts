/**
 * Python 3.11 `datetime.fromisoformat` (naive values read as UTC) and ISO-8601 UTC
 * formatting, with integer calendar arithmetic so no `Date` object or local time zone is
 * involved (`Date.parse` reads zone-less date-times as local time).
 *
 * @module
 */

const US_PER_SECOND = 1_000_000n;
const US_PER_DAY = 86_400n * US_PER_SECOND;

/** Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date `days` after 1970-01-01, as `[year, month, day]`. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) -
      Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Weekday of a day number, 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** Day number of an ISO week date, or null when Python rejects it. */
function isoWeekDate(year: number, week: number, weekday: number): number | null {
  if (weekday < 1 || weekday > 7 || week < 1 || week > 53) return null;
  const jan4 = daysFromCivil(year, 1, 4);
  const week1Monday = jan4 - (isoWeekday(jan4) - 1);
  if (week === 53) {
    const jan1 = isoWeekday(daysFromCivil(year, 1, 1));
    const leap = daysInMonth(year, 2) === 29;
    if (!(jan1 === 4 || (jan1 === 3 && leap))) return null;
  }
  return week1Monday + (week - 1) * 7 + (weekday - 1);
}

const DATE_FORMS: ReadonlyArray<[RegExp, "week" | "ymd"]> = [
  [/^(\d{4})-W(\d{2})-(\d)/, "week"],
  [/^(\d{4})-W(\d{2})/, "week"],
  [/^(\d{4})W(\d{2})(\d)/, "week"],
  [/^(\d{4})W(\d{2})/, "week"],
  [/^(\d{4})-(\d{2})-(\d{2})/, "ymd"],
  [/^(\d{4})(\d{2})(\d{2})/, "ymd"],
];

/** Parses the date part; returns its day number and length, or null. */
function parseDate(s: string): [number, number] | null {
  for (const [re, kind] of DATE_FORMS) {
    const m = re.exec(s);
    if (!m) continue;
    const year = Number(m[1]);
    if (year < 1) return null;
    if (kind === "week") {
      const days = isoWeekDate(year, Number(m[2]), m[3] === undefined ? 1 : Number(m[3]));
      return days === null ? null : [days, m[0].length];
    }
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    return [daysFromCivil(year, month, day), m[0].length];
  }
  return null;
}

const TIME_RE =
  /^(\d{2})(?:(:?)(\d{2})(?:\2(\d{2})(?:[.,](\d+))?)?)?(?:(Z)|([+-])(\d{2})(?:(:?)(\d{2})(?:\9(\d{2})(?:[.,](\d+))?)?)?)?$/;

function fractionUs(digits: string | undefined): bigint {
  return digits === undefined ? 0n : BigInt(digits.slice(0, 6).padEnd(6, "0"));
}

/** Parses the time part (after the separator) to microseconds past midnight UTC, or null. */
function parseTime(s: string): bigint | null {
  const m = TIME_RE.exec(s);
  if (!m) return null;
  const [hh, mm, ss] = [Number(m[1]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
  if (hh > 23 || mm > 59 || ss > 59) return null;
  let us = (BigInt(hh * 3600 + mm * 60 + ss) * US_PER_SECOND) + fractionUs(m[5]);
  if (m[7] !== undefined) {
    const [oh, om, os] = [Number(m[8]), Number(m[10] ?? 0), Number(m[11] ?? 0)];
    if (om > 59 || os > 59) return null;
    const offset = BigInt(oh * 3600 + om * 60 + os) * US_PER_SECOND + fractionUs(m[12]);
    if (offset >= US_PER_DAY) return null;
    us += m[7] === "-" ? offset : -offset;
  }
  return us;
}

/**
 * Python 3.11 `datetime.fromisoformat(s)` as microseconds since the Unix epoch, a naive
 * value being read as UTC; null where Python raises ValueError.
 */
export function parseIsoDatetimeUs(s: string): bigint | null {
  const date = parseDate(s);
  if (date === null) return null;
  const [days, len] = date;
  const midnight = BigInt(days) * US_PER_DAY;
  if (len === s.length) return midnight;
  const sep = s.codePointAt(len)!;
  const time = parseTime(s.slice(len + (sep > 0xffff ? 2 : 1)));
  return time === null ? null : midnight + time;
}

/** Python `timedelta.days`: floor division of a microsecond span by one day. */
export function floorDays(us: bigint): number {
  const q = us / US_PER_DAY;
  return Number(us % US_PER_DAY < 0n ? q - 1n : q);
}

/** `YYYY-MM-DDTHH:MM:SSZ` for whole seconds since the epoch (Python `isoformat` + `Z`). */
export function formatUtcSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rem = seconds - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const hms = `${p2(Math.floor(rem / 3600))}:${p2(Math.floor(rem / 60) % 60)}:${p2(rem % 60)}`;
  return `${String(y).padStart(4, "0")}-${p2(mo)}-${p2(d)}T${hms}Z`;
}
