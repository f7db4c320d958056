// The chat page: scenario picker, conversation, hint/restart/end, language and feedback switches.
// Every text from the trainee or the trainer is shown with textContent, never as HTML.
"use strict";

(function () {
  const chat = document.getElementById("chat");
  const picker = document.getElementById("picker");
  const log = document.getElementById("log");
  const list = document.getElementById("messages");
  const title = document.getElementById("chat-title");
  const typing = document.getElementById("typing");
  const status = document.getElementById("status");
  const alertBox = document.getElementById("alert");
  const composer = document.getElementById("composer");
  const input = document.getElementById("message");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const labels = chat.dataset;
  const toolbar = new Set(Array.from(chat.querySelectorAll(".tools [data-command]"), function (b) {
    return b.dataset.command;
  }));
  let attempt = null;
  let busy = false;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(view) {
    chat.hidden = view !== "chat";
    picker.hidden = view !== "picker";
  }

  function scenarioTitle(id) {
    const button = picker.querySelector('[data-scenario="' + CSS.escape(id) + '"]');
    return button ? button.textContent : id;
  }

  function addMessage(message) {
    const item = element("li", "msg msg-" + message.kind);
    let text = message.text;
    if (message.kind === "you") item.appendChild(element("span", "who", labels.you));
    if (message.kind === "debrief") {  // its first line ("Debrief: <title>") is a heading to jump to
      const lines = text.split("\n");
      item.appendChild(element("h3", "who", lines[0]));
      text = lines.slice(1).join("\n");
    }
    item.appendChild(element("p", "text", text));
    if (message.chart) {
      const chart = element("img", "chart");
      chart.src = message.chart.url;
      chart.alt = message.chart.alt;
      item.appendChild(chart);
      const link = element("a", "progress-link", labels.progress);
      link.href = "/progress";
      link.target = "_top";
      item.appendChild(link);
    }
    const buttons = (message.buttons || []).filter(function (b) { return !toolbar.has(b.payload); });
    if (buttons.length) {  // the toolbar has Hint, Restart and End already
      const row = element("div", "buttons");
      buttons.forEach(function (b) {
        const button = element("button", "reply-button", b.title);
        button.type = "button";
        button.dataset.command = b.payload;
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    list.appendChild(item);
    item.scrollIntoView({ block: message.kind === "debrief" ? "start" : "end" });  // a debrief reads from its top
  }

  function notify(text, isError) {
    alertBox.hidden = !isError;
    alertBox.textContent = isError ? text : "";
    status.textContent = isError ? "" : text;
  }

  function signedOut() {
    alertBox.hidden = false;
    alertBox.textContent = labels.signedOut + " ";
    const link = element("a", "", labels.signIn);
    link.href = "/login?next=" + encodeURIComponent("/chat");
    alertBox.appendChild(link);
  }

  function showAnswer(answer) {
    const payload = answer.qser;
    if (payload && payload.attempt !== attempt && !payload.done) {
      attempt = payload.attempt;
      list.replaceChildren();
      title.textContent = scenarioTitle(payload.scenario);
    }
    if (payload && payload.done) attempt = null;
    if (payload || !chat.hidden) {
      show("chat");
      answer.messages.forEach(addMessage);
    } else {
      notify(answer.messages.map(function (m) { return m.text; }).join("\n"), false);
    }
    document.querySelectorAll("[data-mode]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === answer.mode));
    });
  }

  async function send(text, echo, after) {
    if (busy) return;
    busy = true;
    notify("", false);
    if (echo && !chat.hidden) addMessage({ kind: "you", text: echo });
    typing.textContent = labels.typing;
    log.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/messages", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ text: text }),
      });
      const answer = await response.json().catch(function () { return {}; });
      if (response.status === 401) signedOut();
      else if (!response.ok) notify(answer.message || labels.reload, true);
      else {
        showAnswer(answer);
        if (after) after(answer);
      }
    } catch (error) {
      notify(labels.reload, true);
    } finally {
      busy = false;
      typing.textContent = "";
      log.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("click", function (event) {
    const opener = event.target.closest(".scenario-open");
    if (opener) {
      const card = document.getElementById(opener.getAttribute("aria-controls"));
      const open = opener.getAttribute("aria-expanded") !== "true";
      opener.setAttribute("aria-expanded", String(open));
      card.hidden = !open;
      return;
    }
    if (event.target.closest("#to-picker")) {
      show("picker");
      picker.querySelector("h2").focus();
      return;
    }
    const button = event.target.closest("[data-command]");
    if (!button) return;
    const silent = button.hasAttribute("data-silent");
    const reload = button.hasAttribute("data-reload");
    send(button.dataset.command, silent ? null : (button.dataset.echo || button.textContent), function () {
      if (reload) window.location.reload();
      else if (!chat.hidden && !silent) input.focus();
    });
  });

  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send(text, text);
    input.focus();
  });

  input.addEventListener("keydown", function (event) {  // Enter sends, Shift+Enter starts a new line
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  document.addEventListener("keydown", function (event) {  // in the widget: Escape closes its panel
    if (event.key === "Escape" && window.parent !== window) window.parent.postMessage("qser-widget-close", "*");
  });

  async function restore() {
    const response = await fetch("/api/conversation", { credentials: "same-origin" });
    if (response.status === 401) return signedOut();
    const state = await response.json();
    const current = state.conversation;
    if (!current) return show("picker");
    attempt = current.attempt;
    title.textContent = current.title;
    current.messages.forEach(addMessage);
    show("chat");
  }

  picker.querySelector("h2").tabIndex = -1;
  restore().catch(function () { notify(labels.reload, true); });
})();
