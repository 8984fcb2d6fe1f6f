/**
 * Accessibility checks of a page as it stands (issue 5: "keyboard usable, labelled for
 * screen readers, fits a phone"): axe finds no serious or critical violation, Tab reaches
 * every control and each shows where the focus is, and nothing is wider than the viewport.
 * Soft assertions: a sweep over many screens reports every finding, then fails.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

/**
 * A finding of `rule` inside `within` (a CSS selector) that the test knowingly lets pass:
 * it lies in a file this test's owner may not edit. `why` names the finding and its owner.
 */
export interface KnownFinding {
  readonly rule: string;
  readonly within: string;
  readonly why: string;
}

/** One serious or critical violation, in words fit for a failure message. */
interface Finding {
  readonly rule: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
}

/** Fails when axe finds a serious or critical violation on `page`, bar the `known` ones. */
export async function expectNoSeriousViolations(
  page: Page,
  screen: string,
  known: readonly KnownFinding[] = [],
): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const findings: Finding[] = [];
  const lesser: string[] = [];
  for (const v of violations) {
    if (v.impact !== 'serious' && v.impact !== 'critical') {
      lesser.push(`${v.id} (${v.impact ?? 'no impact'}) ×${v.nodes.length}`);
      continue;
    }
    const scopes = known.filter((k) => k.rule === v.id).map((k) => k.within);
    const targets: string[] = [];
    for (const node of v.nodes) {
      const target = node.target.map(String).join(' ');
      if (scopes.length > 0 && (await insideAny(page, String(node.target[0]), scopes))) continue;
      targets.push(target);
    }
    if (targets.length > 0) findings.push({ rule: v.id, impact: v.impact, help: v.help, targets });
  }
  // Moderate and minor findings do not fail the test; the report lists them to look at.
  if (lesser.length > 0)
    test.info().annotations.push({ type: `axe ${screen}`, description: lesser.join(', ') });
  expect.soft(findings, `axe on the ${screen} screen`).toEqual([]);
}

async function insideAny(page: Page, selector: string, scopes: readonly string[]): Promise<boolean> {
  return page.evaluate(
    ({ selector, scopes }) => {
      const element = document.querySelector(selector);
      return element !== null && scopes.some((scope) => element.closest(scope) !== null);
    },
    { selector, scopes },
  );
}

/** The controls a keyboard user should reach with Tab: enabled, shown, not taken out. */
const CONTROLS =
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/**
 * Tabs through `page` from the top: every control is reached (at most a few more presses
 * than there are controls), and each, once focused, shows a focus indicator (an outline
 * or a box shadow; for a visually hidden input, on its label).
 */
export async function expectKeyboardReachable(page: Page, screen: string): Promise<void> {
  // Marks each control with its index in `names`, which says what it is.
  const names = await page.evaluate((selector) => {
    const found: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>(selector)) {
      const disabled = (element as HTMLButtonElement).disabled === true;
      const radioAside = element instanceof HTMLInputElement && element.type === 'radio' && !element.checked;
      if (disabled || radioAside || !element.checkVisibility()) continue;
      element.dataset.a11yControl = String(found.length);
      const label = element.getAttribute('aria-label') ?? element.textContent ?? '';
      found.push(`${element.tagName.toLowerCase()} "${label.trim().slice(0, 40)}"`);
    }
    // Start from the top: with the body focused once, the next Tab goes to the first control.
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute('tabindex');
    return found;
  }, CONTROLS);
  const reached = new Set<number>();
  const unmarked = new Set<string>();
  for (let press = 0; press < names.length + 5 && reached.size < names.length; press++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return undefined;
      // A visually hidden input shows its focus on its label (styles.css).
      const shown =
        element.classList.contains('visually-hidden') && element.id
          ? (document.querySelector<HTMLElement>(`label[for="${element.id}"]`) ?? element)
          : element;
      const style = getComputedStyle(shown);
      const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      return {
        index: element.dataset.a11yControl === undefined ? -1 : Number(element.dataset.a11yControl),
        tag: element.tagName.toLowerCase(),
        visible: element.matches(':focus-visible') && (outlined || style.boxShadow !== 'none'),
      };
    });
    if (!focus) continue;
    if (focus.index >= 0) reached.add(focus.index);
    if (!focus.visible) unmarked.add(names[focus.index] ?? focus.tag);
  }
  await page.evaluate(() => {
    for (const element of document.querySelectorAll<HTMLElement>('[data-a11y-control]'))
      delete element.dataset.a11yControl;
  });
  const missed = names.filter((_, i) => !reached.has(i));
  expect.soft(missed, `controls Tab never reached on the ${screen} screen`).toEqual([]);
  expect.soft([...unmarked], `controls without a visible focus on the ${screen} screen`).toEqual([]);
}

/** Fails when the page is wider than its viewport (it would scroll sideways on a phone). */
export async function expectNoHorizontalOverflow(page: Page, screen: string): Promise<void> {
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    const scrollWidth = document.scrollingElement!.scrollWidth;
    // The element reaching furthest right, to name in the failure.
    let widest = '';
    let right = 0;
    document.querySelectorAll<HTMLElement>('body *').forEach((element) => {
      const r = element.getBoundingClientRect().right;
      if (r > right) {
        right = r;
        widest = `${element.tagName.toLowerCase()}.${[...element.classList].join('.')} (${Math.round(r)} px)`;
      }
    });
    return { scrollWidth, innerWidth: window.innerWidth, widest };
  });
  expect
    .soft(scrollWidth, `page width on the ${screen} screen (widest: ${widest})`)
    .toBeLessThanOrEqual(innerWidth);
}
