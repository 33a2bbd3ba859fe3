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
