// Q-SER practice chat widget. Embed it with one tag:
//   <script src="https://trainer.example/widget.js" defer></script>
// (optional: data-language="en|es|el"; else the page's own language). It adds a launcher button
// and a panel with the trainer's chat page in an iframe, so the sign-in, its cookies and the
// CSRF token stay on the trainer's origin. The host page's markup is never touched beyond that.
(function () {
  "use strict";
  const LABELS = {{ labels|tojson }};
  const script = document.currentScript;
  const origin = new URL(script.src).origin;
  const wanted = (script.dataset.language || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  const text = LABELS[wanted] || LABELS.en;
  const narrow = window.matchMedia("(max-width: 600px)");

  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.textContent = text.open;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "qser-widget-panel");
  Object.assign(launcher.style, {
    position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000", padding: "12px 18px",
    font: "600 16px/1.2 system-ui, sans-serif", color: "#ffffff", background: "#1a4d8f",
    border: "2px solid #ffffff", borderRadius: "24px", boxShadow: "0 2px 8px rgba(0,0,0,.3)", cursor: "pointer",
  });

  const panel = document.createElement("div");
  panel.id = "qser-widget-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", text.frame);
  panel.hidden = true;
  Object.assign(panel.style, {
    position: "fixed", zIndex: "2147483001", background: "#ffffff", border: "1px solid #5a5a5a",
    boxShadow: "0 4px 24px rgba(0,0,0,.35)", flexDirection: "column",
  });

  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", text.close);
  Object.assign(close.style, {
    alignSelf: "flex-end", margin: "4px", minWidth: "44px", minHeight: "44px", font: "24px/1 system-ui, sans-serif",
    color: "#1b1b1b", background: "#ffffff", border: "1px solid #5a5a5a", borderRadius: "4px", cursor: "pointer",
  });

  const frame = document.createElement("iframe");
  frame.title = text.frame;
  Object.assign(frame.style, { flex: "1", width: "100%", border: "0" });

  function layout() {
    Object.assign(panel.style, narrow.matches
      ? { inset: "0", width: "auto", height: "auto", borderRadius: "0" }
      : { inset: "auto", right: "16px", bottom: "76px", width: "400px", height: "min(640px, calc(100vh - 96px))",
          borderRadius: "8px" });
  }

  function setOpen(open) {
    if (open && !frame.src) frame.src = origin + "/chat";
    panel.hidden = !open;
    panel.style.display = open ? "flex" : "none";
    launcher.setAttribute("aria-expanded", String(open));
    (open ? close : launcher).focus();
  }

  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") setOpen(false); });
  window.addEventListener("message", function (event) {  // Escape pressed inside the chat page
    if (event.origin === origin && event.data === "qser-widget-close" && !panel.hidden) setOpen(false);
  });
  narrow.addEventListener("change", layout);

  layout();
  panel.style.display = "none";
  panel.append(close, frame);
  document.body.append(launcher, panel);
})();
