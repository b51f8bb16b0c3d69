// The accuracy probe: questions become lettered prompts, answer letters are read back leniently, scoring is exact.
import { describe, expect, it } from 'vitest';
import type { ProbeItem } from '../../../src/shared/challenge';
import { extractAnswer, formatProbePrompt, scoreProbe } from '../../../src/bench/probe';

const item = (answer: string, choices = ['red', 'green', 'blue', 'yellow']): ProbeItem => ({
  id: `q-${answer.toLowerCase()}`,
  question: 'Which colour is the sky?',
  choices,
  answer,
});
const ABCD = ['A', 'B', 'C', 'D'];

describe('probe prompts', () => {
  it('puts the question, the lettered choices and "Answer:" on their own lines', () => {
    expect(formatProbePrompt(item('C'))).toBe(
      'Which colour is the sky?\nA. red\nB. green\nC. blue\nD. yellow\nAnswer:',
    );
  });

  it('letters up to ten choices A to J', () => {
    const prompt = formatProbePrompt(
      item(
        'J',
        Array.from({ length: 10 }, (_, i) => `option ${i + 1}`),
      ),
    );
    expect(prompt).toContain('\nA. option 1\n');
    expect(prompt).toContain('\nJ. option 10\nAnswer:');
  });
});

describe('reading the answer letter', () => {
  it.each([
    ['B', 'B'],
    ['   B', 'B'],
    [' (B)', 'B'],
    ['B.', 'B'],
    ['B) green', 'B'],
    ['\nC: blue', 'C'],
    ['The answer is D.', 'D'],
    [' Because of B', 'B'], // "Because" starts with a B but is a word
    ['[A]', 'A'],
  ])('reads %j as %s', (text, letter) => {
    expect(extractAnswer(text, ABCD)).toBe(letter);
  });

  it.each([[''], ['   '], ['Blue, obviously'], ['bad'], ['b'], ['42']])('finds no answer in %j', (text) => {
    expect(extractAnswer(text, ABCD)).toBeNull();
  });

  it('skips letters no choice has, taking the first one that is', () => {
    expect(extractAnswer('E or F, no: C', ABCD)).toBe('C');
    expect(extractAnswer('E', ABCD)).toBeNull();
    expect(extractAnswer('E', [...'ABCDE'])).toBe('E');
  });

  it('takes the first standalone letter when several appear', () => {
    expect(extractAnswer('A, then B', ABCD)).toBe('A');
  });
});

describe('scoring', () => {
  it('counts exact letter matches; a missing answer is wrong', () => {
    const items = [item('A'), item('B'), item('C'), item('D')];
    const score = scoreProbe(items, [' A', '(C)', 'nothing', 'D.']);
    expect(score).toEqual({ correct: 2, total: 4, accuracy: 0.5, answers: ['A', 'C', null, 'D'] });
  });

  it('does not accept a lower-case letter as the answer', () => {
    expect(scoreProbe([item('B')], [' b']).correct).toBe(0);
  });

  it('refuses answers that do not line up with the questions', () => {
    expect(() => scoreProbe([item('A'), item('B')], ['A'])).toThrow(/2 questions but 1 answers/);
  });
});
