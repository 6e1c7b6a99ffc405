/**
 * nsqadmin in a real browser (headless Chromium from @sparticuz/chromium, driven by puppeteer-core):
 * every page loads without a console error, each action (pause, empty, delete, tombstone, create)
 * goes through its confirm dialog and changes what nsqd's /stats says and what the page shows,
 * live numbers and charts appear, an unreachable nsqd is named on the page, and the tail shows new
 * messages. Screenshots go to test-artifacts/ (git-ignored).
 */

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import {
  type Doc,
  eventually,
  httpJson,
  httpPost,
  lookupOf,
  nodeName as node,
  type Program,
  nsqdPub as pub,
  startTwoNodeCluster,
  stopCluster,
  nsqdTopic as topicStats,
} from '../helpers/cluster.js';
import { type Admin, startAdmin } from '../helpers/nsqadmin.js';
import { tempDirs } from '../helpers/tmp.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');
const tmp = tempDirs('nsqadmin-browser');
let browser: Browser;
let lookupd: Program;
let n1: Program;
let n2: Program;
let admin: Admin;
let nsqdAdmin: Admin;

/** a page at `url` whose console errors and page errors are collected */
async function open(url: string, width = 1280, height = 900): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${(e as Error).message}`));
  await page.setViewport({ width, height });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return { page, errors };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) as `${string}.png`, fullPage: true });
}

async function text(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector, { timeout: 10_000 });
  return page.$eval(selector, (e) => e.textContent ?? '');
}

/** waits until `selector`'s text satisfies `ok` */
async function waitText(page: Page, selector: string, ok: (t: string) => boolean): Promise<string> {
  return eventually(`${selector} text`, async () => {
    const t = await page.$eval(selector, (e) => e.textContent ?? '').catch(() => null);
    return t !== null && ok(t) ? t : undefined;
  });
}

/** clicks a button and confirms the dialog that follows */
async function clickAndConfirm(page: Page, selector: string, expectText: string): Promise<void> {
  await page.waitForSelector(selector, { timeout: 10_000 });
  await page.click(selector);
  await page.waitForSelector('[data-test=confirm]', { timeout: 5_000 });
  assert.equal(await text(page, '.modal-text'), expectText);
  await page.click('[data-test=confirm]');
  await page.waitForSelector('.modal', { hidden: true, timeout: 5_000 });
}

async function done(p: { page: Page; errors: string[] }): Promise<void> {
  await p.page.close();
  assert.deepEqual(p.errors, []);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [browser, [lookupd, n1, n2]] = await Promise.all([
    puppeteer.launch({
      args: [...chromium.args, '--lang=en-US'],
      env: { ...process.env, LANG: 'en_US.UTF-8' },
      executablePath: await chromium.executablePath(),
      headless: true,
    }),
    startTwoNodeCluster([tmp(), tmp()], ['--e2e-processing-latency-percentile=0.99,0.5']),
  ]);
  for (const p of [n1, n2]) {
    await httpPost(`${p.http}/topic/create?topic=orders`);
    await httpPost(`${p.http}/channel/create?topic=orders&channel=archive`);
    await httpPost(`${p.http}/channel/create?topic=orders&channel=billing`);
  }
  for (let i = 0; i < 5; i++) await pub(n1, 'orders', `{"order":${i}}`);
  for (let i = 0; i < 3; i++) await pub(n2, 'orders', `{"order":${i}}`);
  await eventually('orders on both nodes', async () =>
    (await lookupOf(lookupd, 'orders')).ports.length === 2 ? true : undefined,
  );
  [admin, nsqdAdmin] = await Promise.all([
    startAdmin([`--lookupd-http-address=127.0.0.1:${lookupd.httpPort}`, '--stats-interval=300ms']),
    startAdmin([`--nsqd-http-address=${node(n1)}`, '--nsqd-http-address=127.0.0.1:1', '--stats-interval=0']),
  ]);
});

after(async () => {
  await browser?.close();
  await Promise.all([admin?.stop(), nsqdAdmin?.stop()]);
  await stopCluster(lookupd, n1, n2);
});

describe('nsqadmin in a browser', { timeout: 90_000 }, () => {
  test('topics page: the list, live numbers, filter', async () => {
    const p = await open(`${admin.url}/`);
    await p.page.waitForSelector('[data-test=topics] a', { timeout: 10_000 });
    assert.equal(await text(p.page, '[data-test=topics] tbody tr td a'), 'orders');
    await waitText(p.page, '[data-test=topics] tbody tr td:nth-child(3)', (t) => t === '8');
    await p.page.type('input.filter', 'zzz');
    await p.page.waitForSelector('[data-test=topics] tbody tr td a', { hidden: true });
    await shot(p.page, 'topics');
    await done(p);
  });

  test('topic page: per-node rows, totals, charts', async () => {
    const p = await open(`${admin.url}/topics/orders`);
    assert.equal(await waitText(p.page, '[data-test=topic-messages]', (t) => t === '8'), '8');
    assert.equal((await p.page.$$('[data-test=topic-nodes] tbody tr')).length, 2);
    assert.equal((await p.page.$$('[data-test=channels] tbody tr')).length, 2);
    await pub(n1, 'orders', 'live');
    await waitText(p.page, '[data-test=topic-messages]', (t) => t === '9'); // no reload
    await eventually('charts drawn', async () =>
      (await p.page.$$('[data-test=chart] canvas')).length >= 4 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1200)); // a few more samples in the charts
    await shot(p.page, 'topic');
    await done(p);
  });

  test('topic page on a phone-sized screen', async () => {
    const p = await open(`${admin.url}/topics/orders`, 390, 844);
    await p.page.waitForSelector('[data-test=topic-nodes]', { timeout: 10_000 });
    const overflow = (await p.page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    assert.ok(overflow <= 1, `page wider than the screen by ${overflow}px`);
    await shot(p.page, 'topic-phone');
    await done(p);
  });

  test('channel page: pause, unpause and empty through the confirm dialog', async () => {
    const p = await open(`${admin.url}/topics/orders/billing`);
    await waitText(p.page, '[data-test=channel-depth]', (t) => t === '9');
    await clickAndConfirm(
      p.page,
      '[data-test=pause-channel]',
      'Are you sure you want to pause orders/billing?',
    );
    await p.page.waitForSelector('[data-test=paused]', { timeout: 10_000 });
    for (const n of [n1, n2])
      assert.equal(
        (await topicStats(n, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing').paused,
        true,
      );
    await clickAndConfirm(
      p.page,
      '[data-test=unpause-channel]',
      'Are you sure you want to unpause orders/billing?',
    );
    await p.page.waitForSelector('[data-test=paused]', { hidden: true, timeout: 10_000 });
    await p.page.waitForSelector('[data-test=pause-channel]', { timeout: 10_000 });
    assert.equal(
      (await topicStats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing').paused,
      false,
    );
    // cancel leaves it alone
    await p.page.click('[data-test=empty-channel]');
    await p.page.click('[data-test=cancel]');
    assert.equal(
      (await topicStats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing').depth,
      6,
    );
    await clickAndConfirm(
      p.page,
      '[data-test=empty-channel]',
      'Are you sure you want to empty orders/billing?',
    );
    await waitText(p.page, '[data-test=channel-depth]', (t) => t === '0');
    assert.equal(
      (await topicStats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing').depth,
      0,
    );
    await shot(p.page, 'channel');
    await done(p);
  });

  test('channel page: delete goes back to the topic', async () => {
    const p = await open(`${admin.url}/topics/orders/billing`);
    await clickAndConfirm(
      p.page,
      '[data-test=delete-channel]',
      'Are you sure you want to delete orders/billing?',
    );
    await p.page.waitForFunction("location.pathname === '/topics/orders'", { timeout: 10_000 });
    for (const n of [n1, n2])
      assert.ok(!(await topicStats(n, 'orders')).channels.some((c: Doc) => c.channel_name === 'billing'));
    await eventually('one channel row', async () =>
      (await p.page.$$('[data-test=channels] tbody tr')).length === 1 ? true : undefined,
    );
    await done(p);
  });

  test('tail page: new messages as they arrive', async () => {
    const p = await open(`${admin.url}/tail/orders`);
    await waitText(p.page, '.muted', (t) => t.includes('#ephemeral'));
    // the tail's channel exists on the nsqd before the publish (else the message goes only to the
    // topic's other channels): the page shows the name before nsqadmin's SUB has landed
    await eventually('the tail channel on nsqd', async () => {
      const t = await topicStats(n2, 'orders');
      return t?.channels.some((c: Doc) => String(c.channel_name).startsWith('nsqadmin_tail_'))
        ? true
        : undefined;
    });
    await pub(n2, 'orders', 'tailed body');
    await waitText(p.page, '[data-test=tail] .tail-body', (t) => t === 'tailed body');
    await shot(p.page, 'tail');
    await done(p);
  });

  test('nodes, node, counter and lookup pages; create a topic from the form', async () => {
    const nodes = await open(`${admin.url}/nodes`);
    await nodes.page.waitForSelector('[data-test=nodes] tbody tr', { timeout: 10_000 });
    assert.equal((await nodes.page.$$('[data-test=nodes] tbody tr')).length, 2);
    await shot(nodes.page, 'nodes');
    await done(nodes);
    const one = await open(`${admin.url}/nodes/${node(n1)}`);
    await waitText(one.page, '[data-test=node-messages]', (t) => Number(t) >= 6);
    await shot(one.page, 'node');
    await done(one);
    const counter = await open(`${admin.url}/counter`);
    await waitText(counter.page, '[data-test=counter]', (t) => /^\d[\d,]*$/.test(t) && t !== '0');
    await done(counter);
    const lookup = await open(`${admin.url}/lookup`);
    await lookup.page.waitForSelector('.create-form', { timeout: 10_000 });
    await lookup.page.type('input[aria-label="Topic Name"]', 'fresh');
    await lookup.page.click('.create-form button[type=submit]');
    await eventually('fresh in lookupd', async () => {
      const r = (await httpJson(`${lookupd.http}/topics`)) as Doc;
      return r.topics.includes('fresh') ? true : undefined;
    });
    await waitText(lookup.page, '[data-test=inactive]', (t) => t.includes('fresh'));
    await shot(lookup.page, 'lookup');
    await done(lookup);
  });

  test('topic page: tombstone a node, then delete the topic', async () => {
    const p = await open(`${admin.url}/topics/orders`);
    const sel = `[data-test="tombstone-${node(n2)}"]`;
    await clickAndConfirm(p.page, sel, `Are you sure you want to tombstone ${node(n2)}?`);
    await eventually('topic gone from n2', async () =>
      (await topicStats(n2, 'orders')) === undefined ? true : undefined,
    );
    assert.ok((await topicStats(n1, 'orders')) !== undefined);
    await clickAndConfirm(p.page, '[data-test=delete-topic]', 'Are you sure you want to delete orders?');
    await p.page.waitForFunction("location.pathname === '/'", { timeout: 10_000 });
    assert.equal(await topicStats(n1, 'orders'), undefined);
    await done(p);
  });

  test('an unreachable nsqd is named on the page', async () => {
    const p = await open(`${nsqdAdmin.url}/`);
    const warning = await text(p.page, '.alert-warning');
    assert.match(warning, /127\.0\.0\.1:1.*connection refused/);
    await shot(p.page, 'unreachable');
    await done(p);
  });
});
