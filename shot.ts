import { launchBrowser } from './tests/helpers/browser';
(async () => {
  const b = await launchBrowser();
  for (const width of [1366, 390]) {
    const c = await b.newContext({ viewport: { width, height: 900 }, extraHTTPHeaders: { authorization: 'Bearer test-admin-token-0123456789abcdef' } });
    const p = await c.newPage();
    await p.goto('http://127.0.0.1:3917/map?country=BR');
    await p.screenshot({ path: `/tmp/mapt/map-${width}.png`, fullPage: false });
    console.log(width, await p.evaluate(() => document.documentElement.scrollWidth));
    await c.close();
  }
  await b.close();
})();
