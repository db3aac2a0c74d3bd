// Lotse web chat: options as buttons, free text, the session in a cookie, resumed on reload.
"use strict";
(() => {
  const LANGS = ["de", "tr", "ru"];
  const COOKIE = "lotse_session";
  const $ = (id) => document.getElementById(id);
  const log = $("log"), optionsBox = $("options"), form = $("form"), input = $("text");
  const langSelect = $("lang"), typing = $("typing"), restart = $("restart"), chat = $("chat");
  // The answer buttons take at most 30 % of the screen folded, a third unfolded (chat.css).
  const FOLDED_SHARE = 0.3, MIN_FOLDED = 110;
  // The page's own German labels, for the moment before /chat/strings.json has arrived.
  const BUILTIN = {
    you: "Sie", bot: "Lotse", more_options: "Mehr Antworten", fewer_options: "Weniger Antworten",
  };
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
  let lastAction = null;
  let focusOptions = false;
  let transcript = [];
  let currentOptions = [];
  let unfolded = false;
  let pinned = true;  // the log is scrolled to its end and stays there while the layout changes

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
  function t(key) {
    return (strings[language] || {})[key] || (strings.de || {})[key] || BUILTIN[key] || "";
  }
  function applyLanguage(lang) {
    language = LANGS.includes(lang) ? lang : "de";
    document.documentElement.lang = language;
    langSelect.value = language;
    // Screen-reader labels of the bubbles are the page's words: they follow its language, while
    // each bubble keeps the lang of the text it shows.
    for (const el of log.querySelectorAll(".who")) whoLabel(el, el.dataset.who);
    if (!strings[language]) return;
    for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
    for (const el of document.querySelectorAll("[data-label]")) el.setAttribute("aria-label", t(el.dataset.label));
    input.placeholder = t("placeholder");
    document.title = t("title");
    if (currentOptions.length) layoutOptions();
  }
  function whoLabel(el, who) {
    el.dataset.who = who;
    el.lang = language;
    el.textContent = (who === "me" ? t("you") : t("bot")) + ": ";
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
      // The Kom-Pass and the calendar file are this site's own addresses, bound to the session cookie.
      const own = link.url === "/api/kompass.pdf" || link.url === "/api/appointment.ics";
      if (!/^https:\/\//.test(link.url) && !own) continue;
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = link.url; a.textContent = link.title; a.target = "_blank"; a.rel = "noopener noreferrer";
      item.append(a);
      list.append(item);
    }
    if (list.children.length) li.append(list);
  }
  function bubble(who, text, record = true, links = [], lang = language) {
    const li = document.createElement("li");
    li.className = who;
    li.lang = LANGS.includes(lang) ? lang : language;
    const label = document.createElement("span");
    label.className = "who";
    whoLabel(label, who);
    li.append(label);
    linkify(li, text);
    sources(li, links);
    log.append(li);
    if (record) { transcript.push({ who, text, links, lang: li.lang }); saveTranscript(); }
    scrollToEnd();
    return li;
  }

  // -- the answer buttons: folded behind "more" when they would fill the screen ---------------
  const more = document.createElement("button");
  more.type = "button";
  more.className = "more";
  more.addEventListener("click", () => {
    unfolded = !unfolded;
    const firstHidden = optionButtons().find((b) => b.hidden);
    layoutOptions();
    // Unfolding moves the focus to the first answer that was hidden; folding keeps it here.
    if (unfolded && firstHidden) {
      firstHidden.focus({ preventScroll: true });
      optionsBox.scrollTop = firstHidden.offsetTop - optionsBox.offsetTop - 28;  // the one before peeks in
      markEnd();
    }
    scrollToEnd();
  });
  function optionButtons() { return [...optionsBox.querySelectorAll("button.option")]; }
  // Unfolded answers scroll; a fading edge says that there are more above or below.
  function markEnd() {
    const rest = optionsBox.scrollHeight - optionsBox.scrollTop - optionsBox.clientHeight;
    optionsBox.classList.toggle("at-start", optionsBox.scrollTop < 4);
    optionsBox.classList.toggle("at-end", rest < 4);
  }
  optionsBox.addEventListener("scroll", markEnd, { passive: true });
  function showOptions(options) {
    currentOptions = options;
    unfolded = false;
    optionsBox.replaceChildren();
    optionsBox.lang = language;
    for (const option of options) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = option.id.startsWith("nav:") ? "option nav" : "option";
      button.textContent = option.label;
      button.addEventListener("click", () => choose(option.label, { choice: option.id }));
      optionsBox.append(button);
    }
    if (options.length) optionsBox.append(more);
    layoutOptions();
  }
  function layoutOptions() {
    const keepFocus = document.activeElement === more;
    place();
    // Measuring takes the toggle out for a moment: give it its focus back.
    if (keepFocus && !more.hidden) more.focus({ preventScroll: true });
  }
  function place() {
    const buttons = optionButtons();
    for (const b of buttons) b.hidden = false;
    more.hidden = true;
    optionsBox.classList.toggle("unfolded", unfolded);
    if (!buttons.length) return;
    const budget = Math.max(MIN_FOLDED, Math.floor(window.innerHeight * FOLDED_SHARE));
    if (!unfolded && optionsBox.scrollHeight <= budget) return;
    more.hidden = false;
    more.setAttribute("aria-expanded", String(unfolded));
    if (unfolded) {
      more.textContent = t("fewer_options");
      markEnd();
      return;
    }
    // Fold from the end (navigation comes last) until the rest and the toggle fit.
    let shown = buttons.length;
    do {
      buttons[--shown].hidden = true;
      more.textContent = `${t("more_options")} (${buttons.length - shown})`;
    } while (shown > 1 && optionsBox.scrollHeight > budget);
  }

  // -- scrolling: the newest message, the current question, stays in view ---------------------
  function scrollToEnd() {
    // Reading scrollHeight lays the page out first, so the composer's new height counts.
    chat.scrollTop = chat.scrollHeight;
    pinned = true;
  }
  chat.addEventListener("scroll", () => {
    pinned = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 24;
  }, { passive: true });
  // The composer grows (more answers, a longer text, the keyboard opens): keep the end in view.
  if ("ResizeObserver" in window) {
    new ResizeObserver(() => { if (pinned) chat.scrollTop = chat.scrollHeight; }).observe(chat);
  }
  let resizing = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(() => {
      const keep = pinned;
      if (currentOptions.length) layoutOptions();
      if (keep) scrollToEnd();
    });
  });
  function choose(label, payload) {
    if (busy) return;
    bubble("me", label);
    focusOptions = true;
    send(payload);
  }
  function show(data, { resumed = false } = {}) {
    if (data.session !== session) {
      session = data.session;
      transcript = [];
    }
    writeCookie(session, 60 * 60 * 24 * 30);
    listen();
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
      if (message.text) bubble("bot", message.text, true, message.links || [], data.language);
      if (message.options.length) options = message.options;
    }
    // No answer at all (the message went to a counsellor): the buttons shown stay.
    if (messages.length) showOptions(options);
    scrollToEnd();
    // After a button press, keep keyboard users on the answers; navigation comes last.
    const visible = optionButtons().filter((b) => !b.hidden);
    const first = visible.find((b) => !b.classList.contains("nav")) || null;
    if (focusOptions) (first || input).focus({ preventScroll: true });
    focusOptions = false;
  }
  function setBusy(value) {
    busy = value;
    log.setAttribute("aria-busy", String(value));
    for (const b of optionsBox.querySelectorAll("button")) b.disabled = value;
    for (const b of document.querySelectorAll(".shortcuts button")) b.disabled = value;
    $("send").disabled = value;
  }

  // -- talking to /api/chat -----------------------------------------------------------------
  async function request(payload) {
    const response = await fetch(form.dataset.api || "/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session, ...payload }),
    });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }
  // One exchange with the server; on failure the error bubble offers to run it again.
  async function exchange(action) {
    lastAction = action;
    setBusy(true);
    const timer = setTimeout(() => {
      typing.hidden = false;
      if (pinned) scrollToEnd();
    }, 300);
    try {
      const shown = await action();
      clearTimeout(timer); typing.hidden = true; setBusy(false);
      shown();
    } catch (error) {
      clearTimeout(timer); typing.hidden = true; setBusy(false);
      const li = bubble("bot", t("error"), false);
      li.classList.add("error");
      const retry = document.createElement("button");
      retry.type = "button"; retry.className = "retry"; retry.textContent = t("retry");
      retry.addEventListener("click", () => { li.remove(); exchange(lastAction); });
      li.append(document.createElement("br"), retry);
      retry.focus();
    }
  }
  function send(payload, { resumed = false } = {}) {
    return exchange(async () => {
      const data = await request(payload);
      return () => show(data, { resumed });
    });
  }
  // "My appointment": the engine's own command (it says so when there is none).
  function openAppointment() { return send({ choice: "nav:appointment" }); }

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
  $("mydata").addEventListener("click", (event) => {
    choose(event.currentTarget.textContent, { choice: event.currentTarget.dataset.choice });
  });
  $("appointment").addEventListener("click", (event) => {
    if (busy) return;
    bubble("me", event.currentTarget.textContent);
    focusOptions = true;
    openAppointment();
  });
  restart.addEventListener("click", () => {
    try { sessionStorage.removeItem(storageKey()); } catch (e) { /* ignore */ }
    writeCookie("", 0);
    session = null; transcript = [];
    log.replaceChildren(); showOptions([]);
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
      for (const message of data.messages) {
        if (message.text) bubble("bot", message.text, true, [], data.language);
        // A reminder's "move" and "cancel" work at any question: offered before the others.
        if (message.options.length) {
          const ids = new Set(message.options.map((o) => o.id));
          showOptions([...message.options, ...currentOptions.filter((o) => !ids.has(o.id))]);
        }
      }
    } catch (e) { /* offline for a moment: the next poll tries again */ }
  }
  setInterval(poll, 60000);

  // -- a counsellor's messages at once while the page is open (server-sent events) ------------
  let stream = null;
  function listen() {
    if (!session || !window.EventSource || (stream && stream.session === session)) return;
    if (stream) stream.source.close();
    const source = new EventSource("/api/chat/stream?session=" + encodeURIComponent(session));
    source.addEventListener("message", (event) => {
      try {
        const data = JSON.parse(event.data);
        for (const message of data.messages) {
          if (message.text) bubble("bot", message.text, true, [], data.language);
        }
      } catch (e) { /* a broken event: the next one comes */ }
    });
    stream = { session, source };
  }

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
    const start = new URLSearchParams(location.search).get("start");
    const link = start && /^[A-Za-z0-9_-]{1,64}$/.test(start) ? { start } : {};
    if (link.start) {
      // Used once: a reload of this address continues the conversation instead of restarting.
      const address = new URL(location.href);
      address.searchParams.delete("start");
      history.replaceState(null, "", address);
    }
    if (session && link.start) {
      transcript = [];  // the link begins the conversation again from what it knows
      saveTranscript();
      await send(preferred ? { language: preferred, ...link } : link);
    } else if (session) {
      transcript = loadTranscript();
      log.setAttribute("aria-busy", "true");  // the old transcript is not read out again
      for (const m of transcript) bubble(m.who, m.text, false, m.links || [], m.lang || language);
      await send({}, { resumed: true });
    } else {
      await send(preferred ? { language: preferred, ...link } : link);
    }
  }
  boot();
})();
