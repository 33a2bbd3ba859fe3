// Q&A cards (`send --card TITLE --button ID:LABEL…`), checked against the reference's limits before any
// network call (../shared/tiktok-api.md §4 TEMPLATE): a failure is a validation error (exit 2) that names
// the limit, the value and its length. Pure, so every edge (40/41, 20/21, 0 and 4 buttons) is unit-testable.
import { validationError, usageError } from '../errors.js';
import {
  CARD_BUTTON_ID_MAX_CHARACTERS,
  CARD_BUTTON_LABEL_MAX_CHARACTERS,
  CARD_LINK_LABEL_MAX_CHARACTERS,
  CARD_MAX_BUTTONS,
  CARD_MIN_BUTTONS,
  CARD_TITLE_MAX_CHARACTERS,
} from '../tiktok/limits.js';
import type { CardContent } from '../tiktok/messaging-api.js';
import { codePointLength } from './content.js';

/** "yes:Yes please" → {id: "yes", label: "Yes please"}: split at the first colon (labels may hold colons). */
export function parseButton(value: string): { id: string; label: string } {
  const colon = value.indexOf(':');
  if (colon < 0) {
    throw usageError(
      `--button expects ID:LABEL, e.g. --button size-m:"Size M" (got "${value}").`,
      'The id comes back when the user taps the button; the label is what they see.',
    );
  }
  return { id: value.slice(0, colon).trim(), label: value.slice(colon + 1).trim() };
}

function tooLong(what: string, value: string, max: number, extra = ''): Error {
  return validationError(
    `${what} "${value}" is ${codePointLength(value)} characters; TikTok allows at most ${max}${extra}.`,
    'Shorten it and try again (characters are counted as Unicode code points, so an emoji counts as one).',
  );
}

/** Builds the card after checking every limit; throws a validation error naming the first one broken. */
export function buildCard(title: string, buttonValues: readonly string[], link = false): CardContent {
  const type = link ? 'QA_LINK_CARD' : 'QA_BUTTON_CARD';
  const trimmedTitle = title.trim();
  if (!trimmedTitle) throw validationError('The card title is empty; TikTok needs 1 to 40 characters.');
  if (codePointLength(trimmedTitle) > CARD_TITLE_MAX_CHARACTERS) throw tooLong('The card title', trimmedTitle, CARD_TITLE_MAX_CHARACTERS);
  const count = buttonValues.length;
  if (count < CARD_MIN_BUTTONS || count > CARD_MAX_BUTTONS) {
    throw validationError(
      `A card needs ${CARD_MIN_BUTTONS} to ${CARD_MAX_BUTTONS} buttons; got ${count}.`,
      count === 0 ? 'Add one with --button ID:LABEL (repeat it for up to 3).' : 'Keep at most 3 --button options.',
    );
  }
  const maxLabel = link ? CARD_LINK_LABEL_MAX_CHARACTERS : CARD_BUTTON_LABEL_MAX_CHARACTERS;
  const kind = link ? 'link card' : 'button card';
  const buttons = buttonValues.map((value, index) => {
    const button = parseButton(value);
    const which = `Button ${index + 1}`;
    if (!button.id) throw validationError(`${which} has an empty id ("${value}"); TikTok needs 1 to ${CARD_BUTTON_ID_MAX_CHARACTERS} characters.`);
    if (!button.label) throw validationError(`${which} has an empty label ("${value}"); TikTok needs 1 to ${maxLabel} characters on a ${kind}.`);
    if (codePointLength(button.id) > CARD_BUTTON_ID_MAX_CHARACTERS) throw tooLong(`${which}'s id`, button.id, CARD_BUTTON_ID_MAX_CHARACTERS);
    if (codePointLength(button.label) > maxLabel) {
      throw tooLong(`${which}'s label`, button.label, maxLabel, ` on a ${kind}${link ? '' : ' (40 on a link card: --link-card)'}`);
    }
    return button;
  });
  return { type, title: trimmedTitle, buttons };
}

/** Ids the card repeats: a tap reports only the id, so two buttons with one id cannot be told apart. */
export function duplicateButtonIds(card: CardContent): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const button of card.buttons) (seen.has(button.id) ? repeated : seen).add(button.id);
  return [...repeated];
}
