// The page in a real browser: Debian's Chromium driven by playwright-core (no browser download).
// Needs a running gloss (GLOSS_URL, default http://127.0.0.1:18934) and an article to paste
// (ARTICLE, default the harbor-strike fixture). Saves a screenshot to SCREENSHOT
// (default ../../target/page.png).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const url = process.env.GLOSS_URL ?? "http://127.0.0.1:18934";
const article = readFileSync(process.env.ARTICLE ?? new URL("../fixtures/harbor-strike.txt", import.meta.url), "utf8");
const screenshot = process.env.SCREENSHOT ?? new URL("../../target/page.png", import.meta.url).pathname;

test("paste an article, annotate, see highlights and statement cards", async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = [];
    page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
    page.on("pageerror", (e) => problems.push(String(e)));
    const resp = await page.goto(url + "/", { waitUntil: "load" });
    assert.equal(resp.status(), 200);
    const weight = (await resp.body()).length;
    assert.ok(weight < 150_000, `page weighs ${weight} bytes`);

    await page.fill("#input", article);
    await page.click("#annotate");
    await page.waitForSelector("#panel-entities li", { timeout: 15000 });

    const people = await page.locator("#article .m-PERSON").count();
    const orgs = await page.locator("#article .m-ORGANIZATION").count();
    const places = await page.locator("#article .m-LOCATION").count();
    const content = await page.locator("#article .content").count();
    assert.ok(people > 0 && places > 0, `highlights: ${people} person, ${orgs} org, ${places} location`);
    assert.ok(content > 0, "statement content is marked");
    assert.ok((await page.locator("#article .speaker").count()) > 0, "speakers are marked");
    assert.ok((await page.locator("#article .cue").count()) > 0, "cues are marked");

    // Clicking an entity highlights its mentions.
    await page.locator("#panel-entities li").first().click();
    assert.ok((await page.locator("#article .lit").count()) > 0, "entity mentions are highlighted on click");

    // Statement cards, reachable from the keyboard.
    await page.click("#tab-statements");
    const cards = await page.locator("#panel-statements .card").count();
    assert.ok(cards > 0, "statement cards are shown");
    await page.locator("#panel-statements .card").first().focus();
    await page.keyboard.press("Enter");
    assert.ok((await page.locator("#article .lit").count()) > 0, "a statement is shown in the text");
    await page.screenshot({ path: screenshot, fullPage: true });

    // The JSON tab holds the raw annotation.
    await page.click("#tab-json");
    const json = JSON.parse(await page.locator("#json").textContent());
    assert.equal(json.offsets, "utf16");

    // API errors are shown as a clear message (an article that is only white space).
    await page.fill("#input", "   ");
    await page.keyboard.press("Control+Enter");
    assert.match(await page.locator("#error").textContent(), /Paste an article/);

    // A 100 KB article renders without freezing the page.
    const big = article.repeat(Math.ceil(100_000 / article.length));
    await page.fill("#input", big);
    const t0 = Date.now();
    await page.click("#annotate");
    await page.waitForFunction(() => document.querySelector("#status").textContent.includes("statements"), null, { timeout: 30000 });
    const spans = await page.locator("#article span").count();
    assert.ok(spans > 500, `big article rendered (${spans} spans) in ${Date.now() - t0} ms`);

    assert.deepEqual(problems, [], "no console errors");
  } finally {
    await browser.close();
  }
});
