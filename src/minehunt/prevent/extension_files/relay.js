/* minehunt blocker, extension world: shows the notice and tells the service worker what
 * was blocked on this tab (page-world reports, and script/frame loads the network rules
 * refused). */
(() => {
  "use strict";
  const CONFIG = __CONFIG__;
  const domains = new Set(CONFIG.domains);
  const paths = CONFIG.script_paths.map((p) => new RegExp("(?:^|/)(?:" + p + ")(?:$|[?#])", "i"));
  const listed = (url) => {
    let u;
    try { u = new URL(url, location.href); } catch (e) { return null; }
    const labels = u.hostname.toLowerCase().split(".");
    for (let i = 0; i < labels.length - 1; i++) {
      const d = labels.slice(i).join(".");
      if (domains.has(d)) return "mining host " + d;
    }
    if (paths.some((rx) => rx.test(u.pathname + u.search))) return "miner script path";
    return null;
  };
  let box = null;
  const shown = [];
  function notice(text) {
    shown.push(text);
    const draw = () => {
      if (!box) {
        box = document.createElement("div");
        box.id = "minehunt-notice";
        box.setAttribute("role", "alert");
        box.style.cssText = "position:fixed;z-index:2147483647;top:8px;right:8px;max-width:420px;" +
          "background:#fff3cd;color:#3d2e00;border:1px solid #c9a227;border-radius:6px;padding:8px 12px;" +
          "font:13px/1.4 sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.2)";
        (document.body || document.documentElement).appendChild(box);
      }
      box.textContent = "minehunt stopped a cryptocurrency miner on this page: " + shown.join("; ");
    };
    if (document.body) draw(); else document.addEventListener("DOMContentLoaded", draw, { once: true });
  }
  function blocked(kind, what) {
    notice(what);
    try { chrome.runtime.sendMessage({ type: "blocked", kind, what, page: location.href }); } catch (e) { /* reloaded */ }
  }
  window.addEventListener("message", (e) => {
    if (e.source === window && e.data && e.data.__minehunt === "blocked") blocked(e.data.kind, String(e.data.what));
  });
  window.addEventListener("error", (e) => {
    const el = e.target;
    if (!el || el === window || !el.tagName) return;
    const url = el.src || el.href;
    const why = url && listed(url);
    if (why) blocked("request", why + ": " + url);
  }, true);
  chrome.runtime.onMessage.addListener((msg) => {
    if (msg && msg.type === "notice") notice(msg.what);
  });
})();
