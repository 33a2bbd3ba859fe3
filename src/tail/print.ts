// How `tail` and `tail replay` print an event: through emit(), so one place chooses between the JSON line
// and the human line. tail's contract adds one rule: JSON Lines also when stdout is not a terminal (a
// pipe, a file), with or without --json. Under a burst, the lines of one tick go out in one write.
import type { IO } from '../io/io.js';
import { emit } from '../io/output.js';
import type { DecodedEvent } from '../tiktok/events.js';
import { eventJsonLine, eventLine, eventRecord, type EventRecord, type PrintContext } from './render.js';

export interface EventPrinter {
  print(event: DecodedEvent, context: PrintContext, accountLabel?: string): void;
  /** Writes what is still held for this tick (call before exiting). */
  flush(): void;
}

export function eventPrinter(io: IO, options: { batch?: boolean } = {}): EventPrinter {
  let lines: string[] = [];
  const flush = () => {
    if (!lines.length) return;
    const text = lines.join('\n');
    lines = [];
    io.out(text);
  };
  const write = options.batch
    ? (line: string) => {
        if (lines.push(line) === 1) setImmediate(flush);
      }
    : (line: string) => io.out(line);
  // The IO emit() writes to: tail's JSON rule, and its lines through `write`.
  const stream: IO = Object.create(io, {
    json: { value: io.json || !io.isStdoutTTY },
    out: { value: write },
    printJsonLine: { value: (record: unknown) => write(eventJsonLine(record as EventRecord)) },
  });
  return {
    print(event, context, accountLabel) {
      emit(stream, eventRecord(event, context), (_record, out) => out.out(eventLine(event, context, { color: io.color, columns: io.columns, accountLabel })));
    },
    flush,
  };
}
