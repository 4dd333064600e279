/* Lists what minehunt blocked on the active tab. */
"use strict";
(async () => {
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  const list = document.getElementById("list");
  const tabId = new URLSearchParams(location.search).get("tab");
  const id = tabId ? Number(tabId) : tab && tab.id;
  const k = "tab-" + id;
  const items = (await chrome.storage.session.get(k))[k] || [];
  for (const it of items) {
    const li = document.createElement("li");
    const b = document.createElement("span");
    b.className = "kind";
    b.textContent = it.kind + ": ";
    li.append(b, document.createTextNode(it.what));
    list.appendChild(li);
  }
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "nothing blocked on this tab";
    list.appendChild(li);
  }
  const m = chrome.runtime.getManifest();
  document.getElementById("meta").textContent = m.name + " " + m.version + " - " + m.description;
})();
