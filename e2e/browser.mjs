// Real-browser test of the Skydas web app: Debian's chromium, headless, driven by
// playwright-core. Usage: node browser.mjs BASE_URL USER PASSWORD SCREENSHOT_DIR
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, user, password, shots] = process.argv.slice(2);
if (!base || !user || !password || !shots) {
  console.error("usage: node browser.mjs BASE_URL USER PASSWORD SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) {
    passed++;
    console.log(`ok   ${what}`);
  } else {
    failed++;
    console.log(`FAIL ${what}`);
  }
}

// Wait for the server.
for (let i = 0; ; i++) {
  try {
    const r = await fetch(`${base}/healthz`);
    if (r.ok) break;
  } catch (_) {
    // not up yet
  }
  if (i > 100) {
    console.error("server did not come up");
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

const profile = mkdtempSync(join(tmpdir(), "skydas-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1400, height: 1000 },
});
// Nothing may leave the machine: every request must go to the app.
const outside = [];
context.on("request", (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith("data:")) outside.push(r.url());
});

try {
  const page = context.pages()[0] || (await context.newPage());

  // Unauthenticated pages go to the login form.
  await page.goto(`${base}/findings`);
  check(page.url().endsWith("/login"), "unauthenticated request is sent to /login");
  await page.screenshot({ path: join(shots, "login.png") });

  await page.fill("input[name=user]", user);
  await page.fill("input[name=password]", password);
  await Promise.all([page.waitForURL(`${base}/`), page.click("form.login button")]);
  check((await page.textContent("h1")) === "Overview", "login lands on the overview");
  check((await page.locator("svg.chart").count()) >= 2, "overview has volume charts");
  await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });

  await page.goto(`${base}/findings?kind=coordination`);
  const links = page.locator("a.finding-link");
  check((await links.count()) > 0, "findings list shows coordination findings");
  await page.screenshot({ path: join(shots, "findings.png"), fullPage: true });

  await Promise.all([page.waitForURL(/\/findings\/co-/), links.first().click()]);
  check((await page.locator("svg#graph").count()) === 1, "finding has its actor graph");
  const edges = page.locator("svg#graph line.edge");
  check((await edges.count()) > 0, "graph has edges");
  const title = await edges.first().locator("title").textContent();
  check(/weight/.test(title || ""), "edge explains itself on hover (title)");
  await edges.first().hover({ force: true });
  await edges.first().click({ force: true });
  check((await page.locator("#edge-panel table tr").count()) > 1, "clicking an edge shows its item pairs");
  check((await page.locator("svg#timeline").count()) === 1, "finding has an evidence timeline");
  const rows = page.locator("table#evidence tr");
  check((await rows.count()) > 1, "evidence table has rows");
  const original = page.locator("table#evidence td.prov a").first();
  check((await original.count()) === 1, "evidence links to an original file");
  await page.screenshot({ path: join(shots, "finding.png"), fullPage: true });
  const href = await original.getAttribute("href");
  const dl = await page.request.get(`${base}${href}`);
  check(dl.status() === 200 && (await dl.body()).length > 0, "the original file downloads");

  // Search for a word of the first evidence text.
  const text = (await page.locator("table#evidence tr:nth-child(2) td:nth-child(5)").textContent()) || "";
  const word = (text.match(/[\p{L}]{5,}/u) || ["NATO"])[0];
  await page.goto(`${base}/search`);
  await page.fill("input[name=q]", word);
  await Promise.all([page.waitForURL(/\/search\?/), page.click("#search-form button")]);
  check((await page.locator("table#hits tr").count()) > 1, `search for "${word}" finds items`);
  check((await page.locator("table#hits mark").count()) > 0, "search marks the matched terms");
  await page.screenshot({ path: join(shots, "search.png"), fullPage: true });

  check(outside.length === 0, `no request left the app (${outside.join(", ")})`);
} catch (e) {
  failed++;
  console.log(`FAIL ${e}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
