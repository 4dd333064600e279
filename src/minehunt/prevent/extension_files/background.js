/* minehunt blocker service worker: keeps what was blocked per tab (session storage) for the
 * popup, and counts it on the toolbar badge. */
"use strict";
const key = (tabId) => "tab-" + tabId;
async function record(tabId, entry) {
  const k = key(tabId);
  const got = (await chrome.storage.session.get(k))[k] || [];
  if (!got.some((e) => e.what === entry.what)) got.push(entry);
  await chrome.storage.session.set({ [k]: got.slice(-200) });
  await chrome.action.setBadgeText({ tabId, text: String(got.length) });
  await chrome.action.setBadgeBackgroundColor({ tabId, color: "#b00020" });
}
chrome.runtime.onMessage.addListener((msg, sender) => {
  if (msg && msg.type === "blocked" && sender.tab) {
    record(sender.tab.id, { kind: msg.kind, what: msg.what, page: msg.page, at: Date.now() });
  }
});
if (chrome.declarativeNetRequest.onRuleMatchedDebug) {
  // Unpacked installs see each network block; packed ones rely on the page's error events.
  chrome.declarativeNetRequest.onRuleMatchedDebug.addListener((info) => {
    const r = info.request;
    if (r.tabId < 0) return;
    const what = "blocked " + r.type + " " + r.url;
    record(r.tabId, { kind: "request", what, page: r.initiator || "", at: Date.now() });
    chrome.tabs.sendMessage(r.tabId, { type: "notice", what }).catch(() => {});
  });
}
chrome.tabs.onRemoved.addListener((tabId) => chrome.storage.session.remove(key(tabId)));
