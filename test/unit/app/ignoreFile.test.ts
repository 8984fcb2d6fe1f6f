import { describe, expect, it } from 'vitest';
import { checkIgnoreText, IGNORE_HELP } from '../../../src/app/ignoreFile.ts';
import { MAX_IGNORE_FILE_BYTES, parseIgnoreRules } from '../../../src/core/engine/ignore.ts';

describe('checkIgnoreText', () => {
  it('accepts gitignore rules, comments, blank lines and escaped oddities', () => {
    const text = [
      '# build output',
      '',
      '*.tmp',
      'build/',
      '/notes.txt',
      'photos/**/*.raw',
      '!keep.tmp',
      '\\#not-a-comment',
      'trailing\\ ',
      'a\\\\',
      '[abc].txt',
      '[]x].txt',
      'windows line\r',
      '\tx',
    ].join('\n');
    expect(checkIgnoreText(text)).toEqual([]);
  });

  it('names each line that does nothing, with its number and why', () => {
    const text = ['ok.txt', 'dropped\\', '!', '[abc', './x', 'a/../b', 'bad\u0001', '*.log'].join('\n');
    expect(checkIgnoreText(text).map((p) => [p.line, p.text])).toEqual([
      [2, 'dropped\\'],
      [3, '!'],
      [4, '[abc'],
      [5, './x'],
      [6, 'a/../b'],
      [7, 'bad\u0001'],
    ]);
    const messages = checkIgnoreText(text).map((p) => p.message);
    expect(messages[0]).toContain('lone “\\”');
    expect(messages[2]).toContain('never closed');
    expect(messages[3]).toContain('top of the folder');
  });

  it('every line reported as matching nothing indeed matches nothing in the engine’s parser', () => {
    // The probes are what each line would seem to mean.
    const cases: [string, string[]][] = [
      ['dropped\\', ['dropped', 'dropped\\', 'dropped ']],
      ['[abc', ['[abc', 'a', 'x/[abc']],
      ['./x', ['x', 'a/x']],
      ['a/../b', ['b', 'a/b']],
    ];
    for (const [line, probes] of cases) {
      expect(checkIgnoreText(line)).toHaveLength(1);
      const rules = parseIgnoreRules(line);
      for (const probe of probes) expect(rules.ignores(probe, 'file'), `${line} vs ${probe}`).toBe(false);
    }
    // And the good lines of the help text do match what they say.
    expect(parseIgnoreRules('*.tmp').ignores('deep/a.TMP', 'file')).toBe(true);
    expect(parseIgnoreRules('[abc].txt').ignores('b.txt', 'file')).toBe(true);
  });

  it('the help text’s examples are all good rules', () => {
    expect(checkIgnoreText(IGNORE_HELP.map((h) => h.rule).join('\n'))).toEqual([]);
  });

  it('refuses a file larger than the engine reads', () => {
    const problems = checkIgnoreText('x'.repeat(MAX_IGNORE_FILE_BYTES + 1));
    expect(problems[0]).toMatchObject({ line: 0, message: expect.stringContaining('1 MiB') });
  });
});
