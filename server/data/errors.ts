/** Specific data errors, so the dataset checker can sort problems without parsing messages. */
import { DataError, LabelCount } from './types';

/** An image and its mask differ in size. */
export class SizeMismatchError extends DataError {
  constructor(message: string, file: string) {
    super(message, file);
    this.name = 'SizeMismatchError';
  }
}

/** A mask holds values that are neither classes nor the ignore index. */
export class UnknownLabelError extends DataError {
  constructor(message: string, file: string, readonly values: readonly LabelCount[]) {
    super(message, file);
    this.name = 'UnknownLabelError';
  }
}

/** Formats a list for a message: at most `max` items, then `and N more`. */
export function listSome(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
