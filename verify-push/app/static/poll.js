// Asks the server, every few seconds, whether the phone has done its part.
//
// The page marks an element with id="poll" and gives it, in data- attributes, the URL to
// ask (data-poll-url), the seconds between questions (data-poll-interval) and the CSRF
// token (data-csrf-token). Keeping the script in a file of its own, with no values written
// into it, means the page needs no inline script at all. Inside it: the status line
// (data-poll-status, a live region that screen readers read aloud when it changes) with its
// text (data-poll-message), the signs of waiting (data-poll-waiting: the spinner), and what
// to show once it stopped (data-poll-stopped).
//
// The server answers each POST with JSON:
//   {"redirect": url}  the phone answered: go there (the server has flashed what happened);
//   {"message": text}  it is over without success: show why and stop;
//   anything else      not yet: ask again after the interval.
// A 503 means the database is busy for a moment (app/errors/handlers.py): the login is
// still there, so the script says so and asks again after the Retry-After seconds. Any
// other error stops it.
(function () {
  "use strict";

  const box = document.getElementById("poll");
  if (!box) {
    return;
  }
  const interval = Number(box.dataset.pollInterval) * 1000;
  const messageLine = box.querySelector("[data-poll-message]");
  const waitingText = messageLine.textContent;
  // Once a button of the page (Send again, This wasn't me, Cancel) has sent its form, the
  // browser is on its way to the answer: a poll answered meanwhile must not send it elsewhere.
  let leaving = false;
  document.addEventListener("submit", () => {
    leaving = true;
  });

  // Writes what is happening into the status line; screen readers announce it. Only a
  // change: the same words written again would be read out again at every poll.
  function say(text) {
    if (messageLine.textContent !== text) {
      messageLine.textContent = text;
    }
  }

  function stop(message) {
    box.querySelectorAll("[data-poll-waiting]").forEach((sign) => {
      sign.hidden = true;
    });
    say(message);
    box.querySelector("[data-poll-status]").className = "alert alert-danger";
    box.querySelector("[data-poll-stopped]").hidden = false;
  }

  async function ask() {
    const response = await fetch(box.dataset.pollUrl, {
      method: "POST",
      headers: {"X-CSRFToken": box.dataset.csrfToken},
    });
    if (response.status === 503) {
      const seconds = Number(response.headers.get("Retry-After")) || 5;
      return {busy: seconds};
    }
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    return response.json();
  }

  async function poll() {
    let answer;
    try {
      answer = await ask();
    } catch (error) {
      answer = {message: "Something went wrong. Reload the page to try again."};
    }
    if (leaving) {
      return;
    }
    if (answer.redirect) {
      say("Done: opening the next page.");
      window.location.assign(answer.redirect);
    } else if (answer.message) {
      stop(answer.message);
    } else if (answer.busy) {
      say(`The site is busy. Trying again in ${answer.busy} seconds.`);
      window.setTimeout(poll, Math.max(answer.busy * 1000, interval));
    } else {
      say(waitingText);
      window.setTimeout(poll, interval);
    }
  }

  window.setTimeout(poll, interval);
})();
