/**
 * Mail HTML is sanitised once and parsed again when the frame shows it; mutation XSS lives in the
 * gap between the two parses (a sanitiser sees a harmless attribute, the second parse makes it an
 * element). So the sanitiser runs in Chromium, its output is shown the way the inbox shows it
 * (inside a document's body, via srcdoc) but WITHOUT the frame's sandbox and CSP, and the test
 * looks at what the browser built and what it asked the network for: no remote reference may
 * survive, whatever the shape of the mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import nodemailer from 'nodemailer';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { bundleForPage } from '../support/bundle-for-page';
import { openLabPage } from '../support/lab-page';

const EVIL = 'evil.test';

/** Known mXSS shapes (DOMPurify's advisories and test fixtures), each trying to fetch from evil.test. */
const SHAPES: Array<[string, string]> = [
  ['MathML table/mglyph/style prefix', `<math><mtext><table><mglyph><style><img src="http://${EVIL}/1.png">`],
  [
    'MathML style comment hiding an img in a title',
    `<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=http://${EVIL}/2.png&gt;">`,
  ],
  ['nested forms around mglyph/style', `<form><math><mtext></form><form><mglyph><style></math><img src="http://${EVIL}/3.png">`],
  [
    'nested forms with an svg inside mglyph',
    `<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img src=http://${EVIL}/4.png>">`,
  ],
  ['svg closing p before style', `<svg></p><style><a id="</style><img src=http://${EVIL}/5.png>">`],
  ['svg title swallowing an attribute', `<svg></p><title><a href="</title><img src=http://${EVIL}/6.png>">`],
  ['svg foreignObject style', `<svg><foreignObject><p><style><p title="</style><iframe src=http://${EVIL}/7>">`],
  ['MathML annotation-xml as HTML', `<math><annotation-xml encoding="text/html"><style><img src=http://${EVIL}/8.png></style></annotation-xml></math>`],
  ['noscript title', `<noscript><p title="</noscript><img src=http://${EVIL}/9.png>">`],
  ['noembed title', `<noembed><img title="</noembed><img src=http://${EVIL}/10.png>">`],
  ['template with a closing tag in an attribute', `<template><s><a href="</template><img src=http://${EVIL}/11.png>">x</a></s></template>`],
  ['meta refresh behind the MathML prefix', `<math><mtext><table><mglyph><style><meta http-equiv="refresh" content="0;url=http://${EVIL}/12">`],
  [
    'form action and formaction behind the MathML prefix',
    `<math><mtext><table><mglyph><style><form action="http://${EVIL}/13"><button formaction="http://${EVIL}/14">Go</button></form>`,
  ],
  ['link href behind the MathML prefix', `<math><mtext><table><mglyph><style><a href="http://${EVIL}/15">read more</a>`],
  ['svg image and use', `<svg><image href="http://${EVIL}/16.png"/><use xlink:href="http://${EVIL}/17.svg#a"/></svg>`],
  ['srcset mixing data: and remote', `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" srcset="data:image/gif;base64,R0lGODlhAQABAAAAACw= 1x, http://${EVIL}/18.png 2x">`],
  ['poster and background', `<video poster="http://${EVIL}/19.png"></video><table background="http://${EVIL}/20.png"><tr><td>x</td></tr></table>`],
  ['CSS url() with escapes', `<p style="background:\\75 rl(http://${EVIL}/21.png)">x</p><style>p{background:u\\72l(http://${EVIL}/22.png)}</style>`],
  ['CSS @import', `<style>@import "http://${EVIL}/23.css";</style><p>x</p>`],
  ['base and link', `<base href="http://${EVIL}/"><link rel="stylesheet" href="http://${EVIL}/24.css"><img src="25.png">`],
];

let browser: TestBrowser;
let page: Page;
const requested: string[] = [];

beforeAll(async () => {
  const script = await bundleForPage('app/lib/offline-html.ts', 'MailHtml');
  browser = await launchBrowser();
  page = await browser.context.newPage();
  // Every request anywhere is recorded and refused: nothing leaves the test machine.
  await page.route('**/*', (route) => {
    requested.push(route.request().url());
    return route.abort();
  });
  await page.setContent('<!doctype html><html><head></head><body></body></html>');
  await page.addScriptTag({ content: script });
}, 120_000);

afterAll(() => browser?.close());

interface Shown {
  html: string;
  /** What the inbox note counts as removed. */
  blocked: number;
  remote: string[];
}

/** Sanitises `mail` in the page and shows the result as the inbox does, minus sandbox and CSP. */
async function show(mail: string, sanitise = true): Promise<Shown> {
  return page.evaluate(
    async ({ mail, evil, sanitise }) => {
      const { offlineHtml } = (window as unknown as { MailHtml: { offlineHtml(html: string): { html: string; blocked: number } } }).MailHtml;
      const { html, blocked } = sanitise ? offlineHtml(mail) : { html: mail, blocked: 0 };
      const frame = document.createElement('iframe');
      // Scripts stay off so the test page stays calm; loads, forms and refresh are not sandboxed.
      frame.setAttribute('sandbox', 'allow-same-origin allow-forms');
      const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
      frame.srcdoc = `<!doctype html><html><head></head><body>${html}</body></html>`;
      document.body.append(frame);
      await loaded;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const doc = frame.contentDocument!;
      const remote: string[] = [];
      for (const element of doc.querySelectorAll('*')) {
        const tag = element.localName;
        if (['script', 'meta', 'base', 'link', 'form', 'iframe', 'object', 'embed', 'frame'].includes(tag)) remote.push(`<${tag}> element`);
        for (const attribute of element.attributes) {
          // A link's address may stay as a tooltip (text), never as somewhere to go.
          if (attribute.name !== 'title' && attribute.value.includes(evil)) remote.push(`<${tag} ${attribute.name}="${attribute.value}">`);
        }
        if (tag === 'style' && element.textContent?.includes(evil)) remote.push(`<style>${element.textContent}</style>`);
      }
      frame.remove();
      return { html, blocked, remote };
    },
    { mail, evil: EVIL, sanitise },
  );
}

describe('the HTML view sanitiser in Chromium', () => {
  it('sees a remote image and a meta refresh when nothing is removed (the check itself works)', async () => {
    requested.length = 0;
    const shown = await show(`<meta http-equiv="refresh" content="0;url=http://${EVIL}/r"><img src="http://${EVIL}/pixel.png">`, false);
    expect(shown.remote).toEqual(['<meta> element', `<meta content="0;url=http://${EVIL}/r">`, `<img src="http://${EVIL}/pixel.png">`]);
    await expect.poll(() => requested.filter((url) => url.includes(EVIL)).length).toBeGreaterThan(0);
  });

  it.each(SHAPES)('%s: leaves nothing that loads from elsewhere', async (_name, mail) => {
    requested.length = 0;
    const shown = await show(mail);
    expect(shown.remote, `sanitised to: ${shown.html}`).toEqual([]);
    expect(requested.filter((url) => url.includes(EVIL))).toEqual([]);
  });

  it('keeps what a reader needs: text, layout, inline data: images, a link address as a tooltip', async () => {
    const pixel = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
    const shown = await show(
      `<h1 style="color: teal">Hello</h1><table><tr><td><b>bold</b></td></tr></table><img alt="dot" src="${pixel}"><a href="https://example.test/read">read</a>`,
    );
    expect(shown.html).toMatch(/<h1 style="color: teal">Hello<\/h1>/);
    expect(shown.html).toContain(`<img alt="dot" src="${pixel}">`);
    expect(shown.html).toMatch(/<a title="https:\/\/example.test\/read">read<\/a>/);
    expect(shown.html).toContain('<td><b>bold</b></td>');
  });

  it('counts for the note what would have run or loaded, not harmless markup', async () => {
    const shown = await show(
      `<p data-note="kept" class="x" onclick="steal()">a</p><script>steal()</script><img src="http://${EVIL}/pixel.png"><a href="https://example.test/">b</a>`,
    );
    expect(shown.blocked).toBe(3);
    expect(shown.html).toContain('data-note="kept"');
  });
});

describe('the HTML view in the inbox', () => {
  it('shows a mutation-XSS mail from an outside client with no remote reference left in its frame', async () => {
    const lab = await openLabPage({ width: 1366, height: 768 });
    try {
      const { bridge, page } = lab;
      const asked: string[] = [];
      page.on('request', (request) => asked.push(request.url()));
      const ca = await (await fetch(new URL('/api/ca.pem', bridge.webUrl))).text();
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: bridge.smtp.port, requireTLS: true, tls: { ca, servername: 'localhost' } });
      const subject = 'Spring newsletter';
      const mxss = SHAPES.filter(([name]) => /MathML|nested forms|meta refresh|form action/.test(name)).map(([, html]) => `<div>${html}</div>`).join('');
      await transport.sendMail({ from: 'news@lab.test', to: 'alice@example.test', subject, text: 'Spring.', html: `<p class="hi">Spring</p>${mxss}` });
      transport.close();

      await page.getByTestId('inbox-tab').click();
      const mailbox = page.locator('[data-testid="mailbox-item"][data-address="alice@example.test"]');
      await expect.poll(() => mailbox.count(), { timeout: 15_000 }).toBe(1);
      await mailbox.click();
      const message = page.locator('[data-testid="mailbox-message"]').filter({ hasText: subject });
      await expect.poll(() => message.count(), { timeout: 15_000 }).toBe(1);
      await message.click();
      const frame = page.getByTestId('message-html-frame');
      await frame.waitFor();
      expect(await frame.getAttribute('sandbox')).toBe('');
      const body = frame.contentFrame().locator('body');
      await expect.poll(async () => (await body.locator('p.hi').textContent().catch(() => null)) ?? '', { timeout: 10_000 }).toBe('Spring');
      // What the frame's own parser built from the cleaned mail: the second parse, where mXSS acts.
      const remote = await body.evaluate((element, evil) => {
        const found: string[] = [];
        for (const node of element.querySelectorAll('*')) {
          if (['script', 'meta', 'base', 'link', 'form', 'iframe', 'object', 'embed'].includes(node.localName)) found.push(`<${node.localName}>`);
          for (const attribute of node.attributes) if (attribute.name !== 'title' && attribute.value.includes(evil)) found.push(`${node.localName} ${attribute.name}`);
          if (node.localName === 'style' && node.textContent?.includes(evil)) found.push('style');
        }
        return found;
      }, EVIL);
      expect(remote).toEqual([]);
      expect(await page.getByTestId('message-html-frame').locator('xpath=preceding-sibling::p[1]').textContent()).toMatch(/removed/);
      expect(asked.filter((url) => url.includes(EVIL))).toEqual([]);
    } finally {
      await lab.close();
    }
  });
});
