import { describe, expect, it } from 'vitest';
import { viewableType } from '../../../src/app/conflicts.ts';

describe('viewableType', () => {
  it('shows text as plain text and images, PDF and media as themselves', () => {
    expect(viewableType('a/notes.sync-conflict-20240101-000000-D.TXT')).toBe('text/plain; charset=utf-8');
    expect(viewableType('photo.jpeg')).toBe('image/jpeg');
    expect(viewableType('doc.pdf')).toBe('application/pdf');
  });

  it('downloads what could run script in the page or has no known type', () => {
    for (const path of ['page.html', 'page.htm', 'icon.svg', 'feed.xml', 'a.exe', 'Makefile', 'dir.d/README'])
      expect(viewableType(path)).toBeUndefined();
  });
});
