// The simulated phone: shows pending approval requests, the accounts with their current code
// and its countdown, and the text messages (SMS); answers requests, scans registration links
// or pictures. It polls the fake's JSON routes, as the real Authy
// app learns about new requests without being reloaded.
"use strict";

(function () {
  const phone = document.getElementById("phone");
  const pollMs = Number(phone.dataset.pollMs) || 1000;
  const requestList = document.getElementById("requests");
  const accountList = document.getElementById("accounts");
  const messageList = document.getElementById("messages");
  const template = document.getElementById("request-template");
  const accountTemplate = document.getElementById("account-template");
  let shownRequests = null; // uuids on screen: rebuild only when they change, so focus stays
  let shownAccounts = null;
  let shownMessages = null;
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

  function expiresText(request) {
    return request.seconds_left === null ? "Never expires" : `Expires in ${request.seconds_left} s`;
  }

  function requestItem(request) {
    const item = template.content.firstElementChild.cloneNode(true);
    const messageId = `message-${request.uuid}`;
    item.dataset.uuid = request.uuid;
    item.querySelector(".app").textContent = request.app_name;
    const message = item.querySelector(".message");
    message.id = messageId;
    message.textContent = request.message;
    const details = item.querySelector(".details");
    for (const [name, value] of Object.entries(request.details || {})) {
      const term = document.createElement("dt");
      term.textContent = name;
      const text = document.createElement("dd");
      text.textContent = typeof value === "string" ? value : JSON.stringify(value);
      details.append(term, text);
    }
    for (const [selector, action] of [[".approve", "approve"], [".deny", "deny"]]) {
      const button = item.querySelector(selector);
      button.setAttribute("aria-describedby", messageId); // "Approve" what: the message
      button.addEventListener("click", () => answer(item, request, action));
    }
    return item;
  }

  function renderRequests(requests) {
    const key = requests.map((request) => request.uuid).join(" ");
    if (key !== shownRequests) {
      requestList.replaceChildren(...requests.map(requestItem));
      document.getElementById("requests-empty").hidden = requests.length > 0;
      shownRequests = key;
    }
    for (const request of requests) {
      const item = requestList.querySelector(`[data-uuid="${request.uuid}"]`);
      item.querySelector(".expires").textContent = expiresText(request);
    }
  }

  function accountItem(account) {
    const item = accountTemplate.content.firstElementChild.cloneNode(true);
    const who = account.custom_user_id ? `user ${account.custom_user_id}` : account.email || account.phone_number;
    item.dataset.authyId = account.authy_id;
    item.querySelector(".who").textContent = `${account.app_name}: ${who} (authy_id ${account.authy_id})`;
    return item;
  }

  function renderAccounts(accounts) {
    const key = accounts.map((account) => `${account.authy_id}:${account.registered}`).join(" ");
    if (key !== shownAccounts) {
      accountList.replaceChildren(...accounts.map(accountItem));
      document.getElementById("accounts-empty").hidden = accounts.length > 0;
      shownAccounts = key;
    }
    // The code changes every `period` seconds: the text is rewritten on every poll.
    for (const account of accounts) {
      const item = accountList.querySelector(`[data-authy-id="${account.authy_id}"]`);
      if (account.code === null) {
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
        text.className = "text";
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
      say("answer-result", `${answered.status === "approved" ? "Approved" : "Denied"}: ${answered.message}`);
    } catch (error) {
      say("answer-result", `Could not answer: ${error.message}`);
    }
    refresh();
  }

  document.getElementById("scan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const data = new FormData(form);
    if (!data.get("image") || !data.get("image").size) {
      data.delete("image"); // an empty file field: scan the link instead
    }
    try {
      const added = await call("POST", form.action, data);
      say("scan-result", `Added user ${added.custom_user_id} (authy_id ${added.authy_id}).`);
      form.reset();
    } catch (error) {
      say("scan-result", `Not added: ${error.message}`);
    }
    refresh();
  });

  refresh();
})();
