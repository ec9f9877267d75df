// The simulated phone: shows the accounts with their current code and its countdown, the
// pending login requests ("Log in as alice?", with the code and the details the app sent),
// and the text messages (SMS); answers requests, scans registration links or pictures.
// Twilio Verify Push factors and challenges come in the same shapes (kind "verify"). It
// polls the fake's JSON routes, as the real Authy app learns about new requests without
// being reloaded. The server words it all (fake_authy/phone.py); this only lays it out.
"use strict";

(function () {
  const phone = document.getElementById("phone");
  const pollMs = Number(phone.dataset.pollMs) || 1000;
  const appName = phone.dataset.appName;
  const requestList = document.getElementById("requests");
  const accountList = document.getElementById("accounts");
  const messageList = document.getElementById("messages");
  const template = document.getElementById("request-template");
  const accountTemplate = document.getElementById("account-template");
  let shownRequests = null; // uuids on screen: rebuild only when they change, so focus stays
  let shownAccounts = null;
  let shownMessages = null;
  let seenRequests = new Set(); // every uuid shown once: a new one is announced
  let refreshing = false;
  let timer = null;

  async function call(method, url, body) {
    const response = await fetch(url, { method, body, headers: { Accept: "application/json" } });
    const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (!response.ok) {
      throw new Error(data.error || `HTTP ${response.status}`);
    }
    return data;
  }

  function say(id, text) {
    document.getElementById(id).textContent = text;
  }

  // 58 -> "0:58", 3600 -> "1:00:00": a clock's way, as the phone frame shows it.
  function duration(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
  }

  function expiresText(request) {
    return request.seconds_left === null ? "Never expires" : `Expires in ${duration(request.seconds_left)}`;
  }

  function requestItem(request) {
    const item = template.content.firstElementChild.cloneNode(true);
    const titleId = `title-${request.uuid}`;
    item.dataset.uuid = request.uuid;
    item.querySelector(".app").textContent = request.app_name;
    const title = item.querySelector(".title");
    title.id = titleId;
    title.textContent = request.title;
    if (request.code !== null) {
      item.querySelector(".request-code").hidden = false;
      item.querySelector(".code-digits").textContent = request.code;
    }
    const details = item.querySelector(".details");
    for (const shown of request.shown_details) {
      const term = document.createElement("dt");
      term.textContent = shown.name;
      const text = document.createElement("dd");
      text.textContent = shown.value;
      if (shown.full !== shown.value) {
        text.title = shown.full; // what the app sent, for whoever wants it
      }
      details.append(term, text);
    }
    details.hidden = request.shown_details.length === 0;
    for (const [selector, action] of [[".approve", "approve"], [".deny", "deny"]]) {
      const button = item.querySelector(selector);
      button.setAttribute("aria-describedby", titleId); // "Approve" what: "Log in as alice?"
      button.addEventListener("click", () => answer(item, request, action));
    }
    return item;
  }

  // "Log in as alice?" -> "Log in as alice": what a result says was approved or denied.
  function plain(title) {
    return title.replace(/\?$/, "");
  }

  function renderRequests(requests) {
    const key = requests.map((request) => request.uuid).join(" ");
    if (key !== shownRequests) {
      requestList.replaceChildren(...requests.map(requestItem));
      document.getElementById("requests-empty").hidden = requests.length > 0;
      shownRequests = key;
      // Screen readers hear of a new request, as a phone's notification would sound.
      const arrived = requests.filter((request) => !seenRequests.has(request.uuid));
      if (arrived.length) {
        say("requests-news", `New request from ${arrived[0].app_name}: ${arrived[0].title}`
          + (arrived[0].code !== null ? ` Code ${arrived[0].code}.` : ""));
      }
      arrived.forEach((request) => seenRequests.add(request.uuid));
    }
    for (const request of requests) {
      const item = requestList.querySelector(`[data-uuid="${request.uuid}"]`);
      item.querySelector(".expires-text").textContent = expiresText(request);
    }
  }

  // An Authy account by its authy_id, a Verify Push factor by its sid.
  function accountKey(account) {
    return account.kind === "verify" ? account.factor_sid : String(account.authy_id);
  }

  function accountItem(account) {
    const item = accountTemplate.content.firstElementChild.cloneNode(true);
    item.dataset.key = accountKey(account);
    if (account.kind === "verify") {
      item.dataset.factorSid = account.factor_sid;
    } else {
      item.dataset.authyId = account.authy_id;
    }
    item.querySelector(".avatar").textContent = (account.app_name.trim()[0] || "?").toUpperCase();
    item.querySelector(".name").textContent = account.app_name;
    // The name the app calls this account by, once a login request said it (else nothing:
    // the registration token names no user); the authy_id, quieter, for whoever needs it.
    // A Verify Push factor: the name the app gave it, and its sid.
    const username = account.kind === "verify" ? account.friendly_name : account.username || account.phone_number;
    item.querySelector(".username").textContent = username || "";
    item.querySelector(".username").hidden = !username;
    item.querySelector(".authy-id").textContent = account.kind === "verify"
      ? `Verify Push factor ${account.factor_sid}` : `authy_id ${account.authy_id}`;
    return item;
  }

  function renderAccounts(accounts) {
    const key = accounts.map((account) => `${accountKey(account)}:${account.registered}:${account.username}`).join(" ");
    if (key !== shownAccounts) {
      accountList.replaceChildren(...accounts.map(accountItem));
      document.getElementById("accounts-empty").hidden = accounts.length > 0;
      shownAccounts = key;
    }
    // The code changes every `period` seconds: the text is rewritten on every poll.
    for (const account of accounts) {
      const item = accountList.querySelector(`[data-key="${accountKey(account)}"]`);
      if (account.kind === "verify") {
        item.querySelector(".code").hidden = true; // Verify Push: approvals only, no codes
      } else if (account.code === null) {
        item.querySelector(".digits").textContent = "";
        item.querySelector(".countdown").textContent = "No Authy app: codes come by SMS";
      } else {
        item.querySelector(".digits").textContent = account.code;
        item.querySelector(".countdown").textContent = `${account.seconds_left} s left`;
      }
    }
  }

  function renderMessages(messages) {
    const key = messages.map((message) => message.id).join(" ");
    if (key === shownMessages) {
      return;
    }
    messageList.replaceChildren(
      ...messages.map((message) => {
        const item = document.createElement("li");
        const when = document.createElement("p");
        when.className = "when";
        when.textContent = `To ${message.to}, ${message.sent_at.replace("T", " ").replace("Z", " UTC")}`;
        const text = document.createElement("p");
        text.className = "bubble";
        text.textContent = message.text;
        item.append(when, text);
        return item;
      })
    );
    document.getElementById("messages-empty").hidden = messages.length > 0;
    shownMessages = key;
  }

  async function refresh() {
    if (refreshing) {
      return; // the running refresh schedules the next one
    }
    refreshing = true;
    clearTimeout(timer);
    try {
      const [requests, accounts, messages] = await Promise.all([
        call("GET", "/phone/requests?status=pending"),
        call("GET", "/phone/accounts"),
        call("GET", "/phone/messages"),
      ]);
      renderRequests(requests);
      renderAccounts(accounts);
      renderMessages(messages);
      showClock();
      document.getElementById("offline").hidden = true;
    } catch (error) {
      document.getElementById("offline").hidden = false;
    } finally {
      refreshing = false;
      timer = setTimeout(refresh, pollMs);
    }
  }

  async function answer(item, request, action) {
    item.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    try {
      const answered = await call("POST", `/phone/requests/${encodeURIComponent(request.uuid)}/${action}`);
      say("answer-result", `${answered.status === "approved" ? "Approved" : "Denied"}: ${plain(answered.title)}`);
    } catch (error) {
      say("answer-result", `Could not answer: ${error.message}`);
    }
    refresh();
  }

  // The status bar's clock: the time here, as a phone shows it.
  function showClock() {
    const now = new Date();
    say("clock", `${now.getHours()}:${String(now.getMinutes()).padStart(2, "0")}`);
  }

  document.getElementById("scan-image").addEventListener("change", (event) => {
    const picture = event.target.files[0];
    const chosen = document.getElementById("scan-file");
    chosen.textContent = picture ? `Picture: ${picture.name}. Press Scan.` : "";
    chosen.hidden = !picture;
  });

  document.getElementById("scan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    if (!data.get("image") || !data.get("image").size) {
      data.delete("image"); // an empty file field: scan the link instead
    }
    try {
      const added = await call("POST", form.action, data);
      say("scan-result", added.kind === "verify"
        ? `Added ${added.app_name} (Verify Push factor ${added.factor_sid}).`
        : `Added ${appName} (authy_id ${added.authy_id}).`);
      form.reset();
      document.getElementById("scan-file").hidden = true;
    } catch (error) {
      say("scan-result", `Not added: ${error.message}`);
    }
    refresh();
  });

  showClock();
  refresh();
})();
