// "90s", "30m", "47h", "2d", "1h30m", or a bare number of seconds.
import { usageError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([smhd])/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (!parts.length || consumed.replace(/\s/g, '') !== trimmed.replace(/\s/g, '')) {
    throw usageError(`${flag} takes a duration such as 90s, 30m, 47h, 2d or 1h30m (got "${text}").`);
  }
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_SECONDS[unit], 0);
}

export interface OptionalSecondsRule {
  /** e.g. "--wait-reply" */
  flag: string;
  /** Seconds when the flag is given without a value. */
  fallback: number;
  min: number;
  max: number;
  /** Whole seconds only, written as digits ("45", not "45.0" or "4.5e1"). */
  whole: boolean;
  /** Said after the range in the error, e.g. "without a value it waits 300 s". */
  note?: string;
}

/**
 * A flag whose value is optional (`--wait-reply`, `qr --wait`, `tail --poll`): undefined when absent,
 * the fallback when given bare, else the seconds written, refused outside the rule with exit 2.
 */
export function optionalSeconds(value: boolean | string | undefined, rule: OptionalSecondsRule): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return rule.fallback;
  const text = value.trim();
  const seconds = Number(text);
  const wellFormed = rule.whole ? /^\d+$/.test(text) : text !== '' && Number.isFinite(seconds);
  if (!wellFormed || seconds < rule.min || seconds > rule.max) {
    const range = `${rule.whole ? 'whole seconds' : 'seconds'} from ${rule.min} to ${rule.max}`;
    throw usageError(`${rule.flag} takes ${range} (got "${value}")${rule.note ? `; ${rule.note}` : ''}.`);
  }
  return seconds;
}
