// Drives the inspector in headless Chromium (playwright-core). Run by run.sh, which
// sets FAKEDESK_* from the env file, CHROMIUM, PROFILE (an empty folder) and SHOT.
"use strict";
const { chromium } = require("playwright-core");

const control = process.env.FAKEDESK_CONTROL_URL;
const zendesk = process.env.FAKEDESK_ZENDESK_URL;
const auth = "Basic " + Buffer.from(
  `${process.env.FAKEDESK_ZENDESK_EMAIL}/token:${process.env.FAKEDESK_ZENDESK_TOKEN}`).toString("base64");

function check(ok, what) {
  if (!ok) throw new Error("FAILED: " + what);
  console.log("ok - " + what);
}

async function main() {
  const context = await chromium.launchPersistentContext(process.env.PROFILE, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("requestfailed", (r) => { if (!r.url().includes("/journal/stream")) problems.push("request failed: " + r.url()); });
    await page.goto(control + "/");
    await page.waitForFunction(() => document.getElementById("conn").textContent === "live", null, { timeout: 10000 });
    check(true, "the inspector opens and its live stream connects");
    await page.evaluate(() => { window.__notReloaded = true; });

    const unlabelled = await page.$$eval("select, input", (els) =>
      els.filter((e) => !e.closest("label") && !e.getAttribute("aria-label")).map((e) => e.id));
    check(unlabelled.length === 0, "every control has a label " + JSON.stringify(unlabelled));

    const subject = "Printer on fire (inspector test)";
    const resp = await fetch(zendesk + "/api/v2/tickets.json", {
      method: "POST",
      headers: { Authorization: auth, "Content-Type": "application/json" },
      body: JSON.stringify({ ticket: { subject, comment: { body: "It smokes." } } }),
    });
    check(resp.status === 201, "fake Zendesk creates the ticket (201)");

    const row = page.locator("#rows tr", { hasText: "/api/v2/tickets.json" }).first();
    await row.waitFor({ timeout: 10000 });
    check(await row.locator("td").nth(6).textContent() === "201", "the row appears with status 201");
    check(await page.evaluate(() => window.__notReloaded === true), "the row appeared without reloading");

    await row.focus();
    await page.keyboard.press("Enter");
    await page.locator("#detail h2", { hasText: "POST" }).waitFor({ timeout: 10000 });
    const detail = await page.locator("#detail").textContent();
    check(detail.includes("/api/v2/tickets.json"), "the detail names the request");
    check(detail.includes("Response body") && detail.includes(subject), "the detail shows the response body");
    check(detail.includes("content-type"), "the detail shows headers");

    // An outbound delivery: fake Freshchat signs a webhook and posts it to the
    // control port's stand-in receiver; the page checks the signature.
    const post = (path, body) => fetch(control + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    check((await post("/freshchat/actions/webhook", { url: control + "/blip/attendance" })).ok, "Freshchat's webhook URL set");
    check((await post("/freshchat/actions/user_message", { text: "Hello from the browser test" })).ok, "a Freshchat user message sent");
    const out = page.locator("#rows tr", { hasText: "/blip/attendance" }).first();
    await out.waitFor({ timeout: 15000 });
    check(await out.locator("td").nth(3).textContent() === "out", "the delivery is listed as outbound");
    await out.click();
    await page.locator("#sig .verdict").waitFor({ timeout: 10000 });
    const sig = await page.locator("#sig").textContent();
    check(sig.includes("verifies") && !sig.includes("does not"), "its signature verifies with Freshchat's scheme: " + sig);
    await page.locator("#attempts table").waitFor({ timeout: 10000 });
    check((await page.locator("#attempts").textContent()).includes("attempt 1"), "its delivery attempts are listed");

    await page.screenshot({ path: process.env.SHOT });
    check(true, "screenshot saved at 1280x800");

    await page.click("#tab-faults");
    await page.waitForFunction(() => document.getElementById("faults-body").textContent.length > 0, null, { timeout: 10000 });
    check(true, "the faults view answers: " + (await page.locator("#faults-body").innerText()).slice(0, 60).replace(/\n/g, " "));
    await page.click("#tab-traffic");

    await page.setViewportSize({ width: 420, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 1, "no sideways scrolling on a 420 px wide window (overflow " + overflow + " px)");
    check(await page.locator("#detail").isVisible(), "the detail stays visible on a narrow window");

    check(problems.length === 0, "no script errors or failed requests " + JSON.stringify(problems));
  } finally {
    await context.close();
  }
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
