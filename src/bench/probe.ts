// The accuracy probe: multiple-choice questions put to a model as prompts, its answer letters read back and scored.
import type { ProbeItem } from '../shared/challenge';

const LETTERS = 'ABCDEFGHIJ';

export interface ProbeScore {
  correct: number;
  total: number;
  /** correct / total (0 when there is nothing to score). */
  accuracy: number;
  /** The letter read from each answer, null where none was found; for showing, never part of a result. */
  answers: Array<string | null>;
}

/** The letters that label an item's choices, A for the first: a model can only answer with one of these. */
export function choiceLetters(item: Pick<ProbeItem, 'choices'>): string[] {
  return [...LETTERS.slice(0, item.choices.length)];
}

/** The plain completion-style prompt every model understands: the question, lettered choices, then "Answer:". */
export function formatProbePrompt(item: ProbeItem): string {
  const letters = choiceLetters(item);
  return [item.question, ...item.choices.map((choice, i) => `${letters[i]}. ${choice}`), 'Answer:'].join('\n');
}

/**
 * The answer letter in a generated text: the first valid choice letter standing alone (" B", "(B)", "B.", "B) ...").
 * A letter inside a word ("Because") does not count, nor does a letter no choice has. Upper case only: the
 * probe scores an exact letter match.
 */
export function extractAnswer(text: string, letters: readonly string[]): string | null {
  for (const match of text.matchAll(/(?<![A-Za-z0-9])[A-J](?![A-Za-z0-9])/g)) {
    if (letters.includes(match[0])) return match[0];
  }
  return null;
}

/** Scores generated answers against the items, in order; an answer with no letter is wrong. */
export function scoreProbe(items: ProbeItem[], texts: string[]): ProbeScore {
  if (texts.length !== items.length)
    throw new Error(`the probe has ${items.length} questions but ${texts.length} answers`);
  const answers = items.map((item, i) => extractAnswer(texts[i]!, choiceLetters(item)));
  const correct = answers.filter((answer, i) => answer === items[i]!.answer).length;
  return { correct, total: items.length, accuracy: items.length > 0 ? correct / items.length : 0, answers };
}
