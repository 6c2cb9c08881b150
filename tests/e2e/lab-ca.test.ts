/**
 * What the page says about the lab CA before a learner trusts it, and that the CA it hands out is
 * the constrained one: trusted by mistake, it still cannot vouch for a site outside the lab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNameConstraints } from '../../bridge/lab/certificates';
import { openLabPage, type LabPage } from '../support/lab-page';

let lab: LabPage;

beforeAll(async () => {
  lab = await openLabPage({ width: 1366, height: 768 });
}, 180_000);

afterAll(() => lab?.close());

describe('the lab CA on the page', () => {
  it('says what trusting it means and how to trust it for tests only, and serves the constrained CA', async () => {
    const { page, bridge } = lab;
    await page.getByTestId('lab-ca').locator('summary').click();
    const note = page.getByTestId('lab-ca-note');
    await note.waitFor();
    const text = (await note.textContent()) ?? '';
    expect(text).toMatch(/whoever can read it can sign/);
    expect(text).toMatch(/name constraints allow only names under \.test/);
    expect(text).toMatch(/separate test profile/);
    expect(text).not.toMatch(/Trust this CA/);
    expect(await lab.page.evaluate(() => document.body.scrollWidth <= window.innerWidth)).toBe(true);

    const href = await page.getByTestId('lab-ca-download').getAttribute('href');
    const pem = await (await fetch(new URL(href ?? '', bridge.webUrl))).text();
    const constraints = readNameConstraints(pem);
    expect(constraints?.critical).toBe(true);
    expect(constraints?.dns).toEqual(['test', 'localhost']);
    expect(constraints?.ips).toEqual(['127.0.0.0/8', '::1/128']);
  });
});
