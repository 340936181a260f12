// Page behaviours bound by data attributes, so that no page needs an inline script or handler and the
// Content-Security-Policy can forbid them (script-src 'self'). Every page works without this file too.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var el = event.target && event.target.closest ? event.target.closest("[data-history-back]") : null;
  if (el && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
document.addEventListener("submit", function (event) {
  // A file larger than the form's data-max-bytes is refused before it is sent (the server refuses it too).
  var form = event.target;
  var limit = form && form.getAttribute ? Number(form.getAttribute("data-max-bytes")) : 0;
  if (!limit) {
    return;
  }
  var inputs = form.querySelectorAll("input[type=file]");
  for (var i = 0; i < inputs.length; i++) {
    var files = inputs[i].files || [];
    for (var j = 0; j < files.length; j++) {
      if (files[j].size > limit) {
        event.preventDefault();
        window.alert(form.getAttribute("data-max-message") || "文件过大");
        return;
      }
    }
  }
});
// The workbench's count in the navigation bar ([data-task-count-url]): fetched after the page is shown, so no page
// waits for it; the server keeps it a minute per session and forgets it after one's own change.
document.addEventListener("DOMContentLoaded", function () {
  var badge = document.querySelector("[data-task-count-url]");
  if (!badge || !window.fetch) {
    return;
  }
  window.fetch(badge.getAttribute("data-task-count-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (counts) {
      if (!counts || !counts.open) {
        return;
      }
      var text = "待办 " + counts.open + " 项" + (counts.late ? "，逾期 " + counts.late + " 项" : "");
      badge.textContent = String(counts.open);
      badge.title = text;
      badge.setAttribute("aria-label", text);
      badge.className = "badge " + (counts.late ? "text-bg-danger" : "text-bg-light");
      badge.hidden = false;
    })
    .catch(function () {});
});
