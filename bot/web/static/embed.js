// Lotse chat for any website: <script src="https://LOTSE-HOST/embed.js" data-lang="tr" async></script>
// Options: data-lang (de|tr|ru), data-start (a link payload such as "tr-dortmund-website"),
// data-target (a CSS selector: the chat is shown inside that element instead of a chat button).
(function () {
  "use strict";
  var LABELS = /*LABELS*/{};
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "de").slice(0, 2);
  if (!LABELS[lang]) lang = "de";
  var labels = LABELS[lang] || { open_chat: "Chat", close_chat: "×", chat_title: "Lotse" };
  var start = script.getAttribute("data-start");
  var src = origin + "/?embed=1&" + (start ? "start=" + encodeURIComponent(start) : "lang=" + lang);

  function frame() {
    var iframe = document.createElement("iframe");
    iframe.src = src;
    iframe.title = labels.chat_title;
    iframe.setAttribute("allow", "clipboard-write");
    iframe.style.cssText = "width:100%;height:100%;border:0;display:block;background:#fff";
    return iframe;
  }

  var selector = script.getAttribute("data-target");
  var target = selector && document.querySelector(selector);
  if (target) {
    var box = frame();
    box.style.height = target.style.height || "600px";
    target.appendChild(box);
    return;
  }

  var button = document.createElement("button");
  button.type = "button";
  button.id = "lotse-chat-button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "lotse-chat-panel");
  button.textContent = "💬 " + labels.open_chat;
  button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483000;min-height:48px;" +
    "padding:0 18px;border:0;border-radius:24px;background:#0b5394;color:#fff;font:600 16px system-ui,sans-serif;" +
    "box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer";

  var panel = document.createElement("div");
  panel.id = "lotse-chat-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", labels.chat_title);
  panel.hidden = true;
  panel.style.cssText = "position:fixed;right:16px;bottom:76px;z-index:2147483000;width:min(400px,calc(100vw - 32px));" +
    "height:min(640px,calc(100vh - 100px));border-radius:12px;overflow:hidden;box-shadow:0 4px 24px rgba(0,0,0,.35);background:#fff";

  function toggle(open) {
    if (open && !panel.firstChild) panel.appendChild(frame());
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "✕ " + labels.close_chat : "💬 " + labels.open_chat;
    if (open) panel.firstChild.focus(); else button.focus();
  }
  button.addEventListener("click", function () { toggle(panel.hidden); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) toggle(false);
  });
  window.addEventListener("message", function (event) {
    if (event.origin === origin && event.data && event.data.lotse === "close" && !panel.hidden) {
      toggle(false);
    }
  });
  document.body.appendChild(panel);
  document.body.appendChild(button);
})();
