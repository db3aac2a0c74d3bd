// Lotse web chat: options as buttons, free text, the session in a cookie, resumed on reload.
"use strict";
(() => {
  const LANGS = ["de", "tr", "ru"];
  const COOKIE = "lotse_session";
  const $ = (id) => document.getElementById(id);
  const log = $("log"), optionsBox = $("options"), form = $("form"), input = $("text");
  const langSelect = $("lang"), typing = $("typing"), restart = $("restart"), chat = $("chat");
  const embedded = window.self !== window.top || new URLSearchParams(location.search).has("embed");
  if (embedded) {
    document.body.classList.add("embed");
    // Escape inside the frame closes the chat panel of the embedding page (see embed.js).
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") window.parent.postMessage({ lotse: "close" }, "*");
    });
  }

  let strings = {};
  let language = "de";
  let session = readCookie();
  let busy = false;
  let lastPayload = null;
  let focusOptions = false;
  let transcript = [];

  // -- session cookie and transcript ------------------------------------------------------------
  function readCookie() {
    const match = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([A-Za-z0-9_-]+)"));
    return match ? match[1] : null;
  }
  function writeCookie(value, maxAge) {
    let cookie = `${COOKIE}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax`;
    if (location.protocol === "https:") {
      cookie = embedded
        ? `${COOKIE}=${value}; Path=/; Max-Age=${maxAge}; SameSite=None; Secure; Partitioned`
        : cookie + "; Secure";
    }
    document.cookie = cookie;
  }
  function storageKey() { return "lotse-log-" + session; }
  function saveTranscript() {
    try { sessionStorage.setItem(storageKey(), JSON.stringify(transcript.slice(-200))); } catch (e) { /* private mode */ }
  }
  function loadTranscript() {
    try { return JSON.parse(sessionStorage.getItem(storageKey()) || "[]"); } catch (e) { return []; }
  }

  // -- texts of the page itself -------------------------------------------------------------
  function t(key) { return (strings[language] || {})[key] || (strings.de || {})[key] || ""; }
  function applyLanguage(lang) {
    language = LANGS.includes(lang) ? lang : "de";
    document.documentElement.lang = language;
    langSelect.value = language;
    if (!strings[language]) return;
    for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
    for (const el of document.querySelectorAll("[data-label]")) el.setAttribute("aria-label", t(el.dataset.label));
    input.placeholder = t("placeholder");
    document.title = t("title");
  }

  // -- rendering ------------------------------------------------------------------------------
  function linkify(parent, text) {
    const pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      parent.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = match[0]; a.textContent = match[0]; a.target = "_blank"; a.rel = "noopener noreferrer";
      parent.append(a);
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }
  function sources(li, links) {
    // Source links of an answer: from the knowledge base, https only.
    const list = document.createElement("ul");
    list.className = "links";
    for (const link of links) {
      if (!/^https:\/\//.test(link.url)) continue;
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = link.url; a.textContent = link.title; a.target = "_blank"; a.rel = "noopener noreferrer";
      item.append(a);
      list.append(item);
    }
    if (list.children.length) li.append(list);
  }
  function bubble(who, text, record = true, links = []) {
    const li = document.createElement("li");
    li.className = who;
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = (who === "me" ? t("you") : t("bot")) + ": ";
    li.append(label);
    linkify(li, text);
    sources(li, links);
    log.append(li);
    if (record) { transcript.push({ who, text, links }); saveTranscript(); }
    chat.scrollTop = chat.scrollHeight;
    return li;
  }
  function showOptions(options) {
    optionsBox.replaceChildren();
    for (const option of options) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = option.label;
      button.addEventListener("click", () => {
        if (busy) return;
        bubble("me", option.label);
        focusOptions = true;
        send({ choice: option.id });
      });
      optionsBox.append(button);
    }
  }
  function show(data, { resumed = false } = {}) {
    if (data.session !== session) {
      session = data.session;
      transcript = [];
    }
    writeCookie(session, 60 * 60 * 24 * 30);
    applyLanguage(data.language);
    let messages = data.messages;
    if (resumed) {
      // The current question is shown again on a reload: keep it once in the transcript.
      const shown = transcript.filter((m) => m.who === "bot").map((m) => m.text);
      const texts = messages.map((m) => m.text).filter(Boolean);
      if (texts.length && texts.every((text, i) => shown[shown.length - texts.length + i] === text)) {
        messages = messages.map((m) => ({ ...m, text: "" }));
      }
    }
    let options = [];
    for (const message of messages) {
      if (message.text) bubble("bot", message.text, true, message.links || []);
      if (message.options.length) options = message.options;
    }
    showOptions(options);
    // After a button press, keep keyboard users on the answers; navigation comes last.
    const answers = options.findIndex((o) => !o.id.startsWith("nav:"));
    const first = answers >= 0 ? optionsBox.children[answers] : null;
    if (focusOptions) (first || input).focus({ preventScroll: true });
    focusOptions = false;
  }
  function setBusy(value) {
    busy = value;
    log.setAttribute("aria-busy", String(value));
    for (const b of optionsBox.querySelectorAll("button")) b.disabled = value;
    $("send").disabled = value;
  }

  // -- talking to /api/chat -----------------------------------------------------------------
  async function send(payload, { resumed = false } = {}) {
    lastPayload = { payload, resumed };
    setBusy(true);
    const timer = setTimeout(() => { typing.hidden = false; }, 300);
    try {
      const response = await fetch(form.dataset.api || "/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session, ...payload }),
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      clearTimeout(timer); typing.hidden = true; setBusy(false);
      show(data, { resumed });
    } catch (error) {
      clearTimeout(timer); typing.hidden = true; setBusy(false);
      const li = bubble("bot", t("error"), false);
      li.classList.add("error");
      const retry = document.createElement("button");
      retry.type = "button"; retry.className = "retry"; retry.textContent = t("retry");
      retry.addEventListener("click", () => { li.remove(); send(lastPayload.payload, { resumed: lastPayload.resumed }); });
      li.append(document.createElement("br"), retry);
      retry.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    bubble("me", text);
    input.value = "";
    input.style.height = "";
    send({ text });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    input.style.height = "";
    input.style.height = Math.min(input.scrollHeight, 128) + "px";
  });
  langSelect.addEventListener("change", () => {
    applyLanguage(langSelect.value);
    send({ language: langSelect.value });
  });
  restart.addEventListener("click", () => {
    try { sessionStorage.removeItem(storageKey()); } catch (e) { /* ignore */ }
    writeCookie("", 0);
    session = null; transcript = [];
    log.replaceChildren(); optionsBox.replaceChildren();
    send({ language });
    input.focus();
  });

  // -- reminders and appointment news while the page stays open -----------------------------
  async function poll() {
    if (!session || busy || document.hidden) return;
    try {
      const response = await fetch("/api/chat/notifications", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session }),
      });
      if (!response.ok) return;
      const data = await response.json();
      for (const message of data.messages) if (message.text) bubble("bot", message.text);
    } catch (e) { /* offline for a moment: the next poll tries again */ }
  }
  setInterval(poll, 60000);

  // -- start: resume the session of the cookie, or begin in the best language ------------------
  function hint() {
    const params = new URLSearchParams(location.search);
    const fromLink = (params.get("lang") || (params.get("start") || "").split(/[-_]/)[0] || "").toLowerCase();
    if (LANGS.includes(fromLink)) return fromLink;
    for (const lang of navigator.languages || [navigator.language || ""]) {
      const code = lang.slice(0, 2).toLowerCase();
      if (LANGS.includes(code)) return code;
    }
    return null;
  }
  async function boot() {
    const preferred = hint();
    applyLanguage(preferred || "de");
    try {
      const response = await fetch("/chat/strings.json");
      if (response.ok) strings = await response.json();
    } catch (e) { /* the page still works with its built-in German labels */ }
    applyLanguage(language);
    if (session) {
      transcript = loadTranscript();
      for (const m of transcript) bubble(m.who, m.text, false, m.links || []);
      await send({}, { resumed: true });
    } else {
      const start = new URLSearchParams(location.search).get("start");
      const link = start && /^[A-Za-z0-9_-]{1,64}$/.test(start) ? { start } : {};
      await send(preferred ? { language: preferred, ...link } : link);
    }
  }
  boot();
})();
