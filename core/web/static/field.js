/* Field pages: each tap is kept on the phone (IndexedDB) and sent when there is a network.
 *
 * An entry gets its key (crypto.randomUUID) and its moment when it is made; the server accepts a key
 * once, so sending again after a lost answer or from a second tab never doubles a figure. Entries are
 * sent in the order they were made, by one tab at a time (Web Locks). A refused entry stays, with the
 * server's reason, until the worker removes it. Undo removes an entry that is still waiting.
 *
 * The login lasts a working day offline: while the session holds, the page keeps a field-sync token
 * (POST /field/token, until the end of the day) and sends the queue with it, so a session that idled
 * out while the phone had no network does not hold the entries back.
 */
(() => {
  "use strict";
  const body = document.body;
  const FORM = body.dataset.form;
  const STAFF = body.dataset.staff;
  const W = JSON.parse(document.getElementById("field-words").textContent);
  const rules = new Intl.PluralRules(W.lang);
  const STORE = "entries";
  const BATCH = 100;
  const channel = "BroadcastChannel" in self ? new BroadcastChannel("tremplin-field") : null;
  const $ = (id) => document.getElementById(id);
  let db = null;
  let base = {};
  let syncing = false;
  let signedOut = false;
  // The login's CSRF token, asked for once (GET /field/state) and again only when refused: a tap
  // online costs one small POST.
  let session = null;
  const TOKEN_KEY = `tremplin-field-token:${STAFF}`;

  const plural = (table, n) => (table[rules.select(n)] || table.other).replace("{n}", n);

  // ---------------------------------------------------------------- the queue (IndexedDB)

  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("tremplin-field", 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: "n", autoIncrement: true });
        store.createIndex("key", "key", { unique: true });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  // One readwrite transaction: ``fn(store, done)`` calls ``done(value)``; resolves once committed.
  function change(fn) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, "readwrite");
      let out;
      fn(tx.objectStore(STORE), (value) => { out = value; });
      tx.oncomplete = () => resolve(out);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  function all() {
    return new Promise((resolve, reject) => {
      const req = db.transaction(STORE).objectStore(STORE).getAll();
      req.onsuccess = () => resolve(req.result.sort((a, b) => a.n - b.n));
      req.onerror = () => reject(req.error);
    });
  }

  // Change an entry only if it is in ``from`` state: an entry undone in one tab is never re-created
  // by another tab marking it as being sent.
  function move(n, from, changes) {
    return change((store, done) => {
      const req = store.get(n);
      req.onsuccess = () => {
        const entry = req.result;
        if (!entry || (from && entry.state !== from)) return done(false);
        if (changes === null) store.delete(n);
        else store.put(Object.assign(entry, changes));
        done(true);
      };
    });
  }

  // Several entries in one transaction: ``plan(entry)`` says what becomes of each (an object of
  // changes, ``null`` to delete it, ``undefined`` to leave it). Resolves with the entries changed.
  function moveMany(ns, plan) {
    return change((store, done) => {
      const moved = [];
      done(moved);
      for (const n of ns) {
        const req = store.get(n);
        req.onsuccess = () => {
          const entry = req.result;
          const what = entry ? plan(entry) : undefined;
          if (what === undefined) return;
          if (what === null) store.delete(n);
          else store.put(Object.assign(entry, what));
          moved.push(entry);
        };
      }
    });
  }

  function changed() {
    if (channel) channel.postMessage("changed");
    render();
  }

  // ---------------------------------------------------------------- making an entry

  function answers() {
    const values = {};
    for (const el of $("field-form").elements) {
      if (!el.name || el.disabled) continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      if (el.type === "checkbox") (values[el.name] = values[el.name] || []).push(el.value);
      else values[el.name] = el.value;
    }
    return values;
  }

  function missing() {
    for (const el of $("field-form").querySelectorAll("[required]")) {
      const group = el.type === "radio" ? $("field-form").querySelectorAll(`[name="${el.name}"]:checked`).length : el.value;
      if (!group) return el;
    }
    return null;
  }

  async function make(theme) {
    const empty = missing();
    if (empty) {
      const setup = $("setup");
      if (setup) setup.open = true;
      empty.focus();
      return;
    }
    const values = answers();
    if (theme) values.theme = theme;
    const label = theme ? `+1 ${W.themes[theme] || theme}` : W.form_title;
    const entry = {
      key: crypto.randomUUID(), at: new Date().toISOString(), form: FORM, staff: STAFF,
      values, label, state: "waiting",
    };
    await change((store) => store.add(entry));
    // A form that is not a tally describes one encounter: it starts blank again for the next one.
    if (!theme) $("field-form").reset();
    changed();
    soon();
  }

  // The setup answers (where, which language) are kept on the phone too: the kept page opens with
  // them offline. What the server says (today's stop) comes first; they fill only what is empty.
  const SETUP_KEY = `tremplin-field-setup:${FORM}:${STAFF}`;

  function keepSetup() {
    const values = {};
    for (const el of document.querySelectorAll("#setup [name]")) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      values[el.name] = el.value;
    }
    try { localStorage.setItem(SETUP_KEY, JSON.stringify(values)); } catch (err) { /* private mode */ }
  }

  function restoreSetup() {
    let values = {};
    try { values = JSON.parse(localStorage.getItem(SETUP_KEY) || "{}"); } catch (err) { return; }
    for (const [name, value] of Object.entries(values)) {
      const els = document.querySelectorAll(`#setup [name="${CSS.escape(name)}"]`);
      if (!els.length) continue;
      if (els[0].type === "radio") {
        if (![...els].some((el) => el.checked && el.defaultChecked && el.value !== "unknown")) {
          for (const el of els) el.checked = el.value === value;
        }
      } else if (!els[0].value) {
        els[0].value = value;
      }
    }
  }

  // ---------------------------------------------------------------- what the page shows

  const time = (iso) => new Date(iso).toLocaleTimeString(W.lang, { hour: "2-digit", minute: "2-digit" });

  async function render() {
    const entries = (await all()).filter((e) => e.form === FORM && e.staff === STAFF);
    const waiting = entries.filter((e) => e.state !== "refused");
    const refused = entries.filter((e) => e.state === "refused");
    const counts = Object.assign({}, base);
    for (const e of waiting) if (e.values.theme) counts[e.values.theme] = (counts[e.values.theme] || 0) + 1;
    for (const el of document.querySelectorAll(".tap[data-theme] .count")) {
      el.textContent = String(counts[el.parentElement.dataset.theme] || 0);
    }
    const lines = [];
    if (waiting.length) lines.push(plural(W.waiting, waiting.length));
    if (refused.length) lines.push(plural(W.refused, refused.length));
    $("waiting").textContent = lines.length ? lines.join(" · ") : W.all_sent;
    $("waiting").dataset.waiting = String(waiting.length);
    $("waiting").dataset.refused = String(refused.length);
    $("signin").hidden = !(signedOut && entries.length);
    const list = $("entries");
    list.textContent = "";
    for (const e of entries.slice().reverse().slice(0, 30)) {
      const li = document.createElement("li");
      li.dataset.key = e.key;
      li.dataset.state = e.state;
      const text = document.createElement("span");
      text.textContent = `${e.label} · ${time(e.at)}`;
      li.append(text);
      if (e.state === "refused") {
        li.className = "refused";
        const why = document.createElement("span");
        why.className = "reason";
        why.textContent = W.not_recorded.replace("{reason}", e.reason || "");
        li.append(" ", why);
      }
      if (e.state !== "sending") {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = e.state === "refused" ? W.remove : W.undo;
        button.addEventListener("click", () => move(e.n, e.state, null).then(changed));
        li.append(" ", button);
      }
      list.append(li);
    }
  }

  // The header says it in a word; the line under the buttons says what it means.
  function network(text) {
    $("net").textContent = text || (navigator.onLine ? "" : W.offline_short);
    $("net").title = navigator.onLine ? "" : W.offline;
    $("net-line").textContent = navigator.onLine ? (text || "") : W.offline;
  }

  // ---------------------------------------------------------------- the day's token

  function token() {
    let kept = null;
    try { kept = JSON.parse(localStorage.getItem(TOKEN_KEY) || "null"); } catch (err) { return null; }
    if (!kept || !kept.token || !(Date.parse(kept.expires) > Date.now())) return null;
    return kept.token;
  }

  function forgetToken() {
    try { localStorage.removeItem(TOKEN_KEY); } catch (err) { /* private mode */ }
  }

  const bearer = (t) => (t ? { authorization: `Bearer ${t}` } : {});

  // While the login holds: a token for the rest of the day, unless the one kept still holds.
  async function keepToken(info) {
    if (!info.signed_in || info.device) return;
    const response = await fetch("/field/token", {
      method: "POST", credentials: "same-origin", cache: "no-store", headers: { "x-csrf-token": info.csrf },
    });
    if (!response.ok) return;
    const data = await response.json();
    if (String(data.staff) !== STAFF) return;
    try { localStorage.setItem(TOKEN_KEY, JSON.stringify({ token: data.token, expires: data.expires })); } catch (err) { /* private mode */ }
  }

  // ---------------------------------------------------------------- sending

  async function state() {
    const response = await fetch(`/field/state?form=${encodeURIComponent(FORM)}`, {
      credentials: "same-origin", cache: "no-store", headers: bearer(token()),
    });
    if (!response.ok) throw new Error(String(response.status));
    const info = await response.json();
    if (!info.device) forgetToken();
    return info;
  }

  // Whether the entries can be sent: by the session, or by the day's token once the session has ended.
  async function login() {
    const info = await state();
    signedOut = !info.signed_in && !info.device;
    if (signedOut) return null;
    if (info.figures) base = info.figures;
    if (info.signed_in) await keepToken(info).catch(() => {});
    return info;
  }

  let timer = null;
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(sync, 250);
  }

  async function sync() {
    if (syncing || !navigator.onLine) return network();
    syncing = true;
    try {
      if (navigator.locks) await navigator.locks.request("tremplin-field-sync", round);
      else await round();
    } catch (err) {
      network(W.server_down);
    } finally {
      syncing = false;
      render();
    }
  }

  async function round() {
    // Holding the lock: an entry still marked as being sent was left by a page closed mid-way.
    const stale = (await all()).filter((e) => e.state === "sending").map((e) => e.n);
    await moveMany(stale, (e) => (e.state === "sending" ? { state: "waiting" } : undefined));
    if (!(await all()).some((e) => e.state === "waiting" && e.staff === STAFF)) return network();
    if (!session) {
      session = await login();
      if (!session) return;
    }
    const today = new Date().toDateString();
    const counted = {};
    let retried = false;
    for (;;) {
      const pending = (await all()).filter((e) => e.state === "waiting" && e.staff === String(session.staff));
      if (!pending.length) break;
      const chosen = pending.slice(0, BATCH).map((e) => e.n);
      const batch = await moveMany(chosen, (e) => (e.state === "waiting" ? { state: "sending" } : undefined));
      if (!batch.length) continue;
      batch.sort((a, b) => a.n - b.n);
      const back = () => moveMany(batch.map((e) => e.n), (e) => (e.state === "sending" ? { state: "waiting" } : undefined));
      network(W.sending);
      // The day's token when the phone has one (the session may have idled out), else the session's.
      const kept = token();
      const auth = kept ? bearer(kept) : { "x-csrf-token": session.csrf };
      let response;
      try {
        response = await fetch("/field/sync", {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: Object.assign({ "content-type": "application/json" }, auth),
          body: JSON.stringify({ entries: batch.map((e) => ({ key: e.key, at: e.at, form: e.form, values: e.values })) }),
        });
      } catch (err) {
        response = null;
      }
      if (!response || !response.ok) {
        await back();
        if (response && (response.status === 401 || response.status === 403)) {
          // A new login since the token was read, the day's token ended, or no login any more: ask once,
          // then try again.
          session = null;
          if (kept) forgetToken();
          if (retried) { signedOut = true; return; }
          retried = true;
          session = await login();
          if (!session) return;
          continue;
        }
        network(W.server_down);
        return;
      }
      const data = await response.json();
      const byKey = new Map(data.results.map((r) => [r.key, r]));
      const sent = await moveMany(batch.map((e) => e.n), (e) => {
        if (e.state !== "sending") return undefined;
        const r = byKey.get(e.key);
        if (!r) return { state: "waiting" };
        if (r.status === "refused") return { state: "refused", reason: r.reason };
        return null;
      });
      for (const e of sent) {
        const r = byKey.get(e.key);
        // Today's figure now counts it on the server: it moves from the queue into the base.
        const theme = e.values.theme;
        if (r && r.status !== "refused" && theme && new Date(e.at).toDateString() === today) {
          counted[theme] = (counted[theme] || 0) + 1;
        }
      }
      count(counted);
      if (channel) channel.postMessage({ counted });
      for (const theme of Object.keys(counted)) delete counted[theme];
      changed();
    }
    network();
  }

  function count(counted) {
    for (const [theme, n] of Object.entries(counted)) base[theme] = (base[theme] || 0) + n;
  }

  // ---------------------------------------------------------------- logging out

  async function logout(event) {
    event.preventDefault();
    const form = event.target;
    const mine = (await all()).filter((e) => e.staff === STAFF);
    if (mine.length && !window.confirm(plural(W.logout, mine.length))) return;
    await change((store) => { for (const e of mine) store.delete(e.n); });
    const kept = token();
    forgetToken();
    try {
      // The server ends the day's token with the session; this ends it too if the session already had.
      // A weak signal must not hold the logout back: three seconds at most.
      const signal = AbortSignal.timeout ? AbortSignal.timeout(3000) : undefined;
      if (kept) await fetch("/field/token", { method: "DELETE", credentials: "same-origin", headers: bearer(kept), signal });
    } catch (err) { /* offline: it ends with the day */ }
    try {
      const info = await state();
      if (info.csrf) form.elements.csrf_token.value = info.csrf;
    } catch (err) { /* offline: the server will end the session next time */ }
    form.submit();
  }

  // ---------------------------------------------------------------- start

  async function start() {
    for (const el of document.querySelectorAll(".tap[data-theme] .count")) {
      base[el.parentElement.dataset.theme] = Number(el.dataset.count) || 0;
    }
    db = await openDb();
    restoreSetup();
    const setup = $("setup");
    if (setup) setup.addEventListener("change", keepSetup);
    for (const button of document.querySelectorAll(".tap")) {
      button.addEventListener("click", () => make(button.dataset.theme || ""));
    }
    $("logout-form").addEventListener("submit", logout);
    if (channel) {
      channel.onmessage = (event) => {
        // Another tab sent entries: they leave the shared queue and join today's figures here too.
        if (event.data && event.data.counted) count(event.data.counted);
        render();
      };
    }
    window.addEventListener("online", () => { network(); sync(); });
    window.addEventListener("offline", () => network());
    document.addEventListener("visibilitychange", () => { if (!document.hidden) sync(); });
    setInterval(sync, 30000);
    network();
    await render();
    body.dataset.ready = "1";
    // While the login holds, take the day's token (and today's figures) now: the network may be gone later.
    const first = navigator.onLine ? login().then((info) => { session = session || info; }).catch(() => {}) : Promise.resolve();
    first.then(sync);
    if ("serviceWorker" in navigator) {
      let controlled = !!navigator.serviceWorker.controller;
      navigator.serviceWorker.addEventListener("controllerchange", () => {
        // The first worker taking a page over changes nothing; a later one is a new deployment:
        // load the page it serves, so no old page stays open.
        if (controlled) window.location.reload();
        controlled = true;
      });
      navigator.serviceWorker.register("/field/sw.js", { scope: "/field/", updateViaCache: "none" })
        .then((reg) => { if (navigator.onLine) reg.update().catch(() => {}); })
        .catch(() => {});
      navigator.serviceWorker.ready.then((reg) => {
        if (reg.active && navigator.onLine) reg.active.postMessage({ keep: window.location.pathname });
      });
    }
  }

  start();
})();
