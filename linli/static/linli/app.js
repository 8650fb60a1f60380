// A form is sent once: the second click of a double click does nothing (the server refuses a
// repeated submission too; this only spares the wait).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.method && form.method.toLowerCase() === "post") {
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; b.dataset.label = b.textContent; b.textContent = "提交中…"; });
  }
}, true);
// Back from the browser's history: let forms be sent again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (f) {
    delete f.dataset.sent;
    f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; if (b.dataset.label) b.textContent = b.dataset.label; });
  });
});
// A session that ended while the page stayed open: go to the login page instead of showing a fragment.
document.addEventListener("htmx:responseError", function (event) {
  if (event.detail.xhr.status === 401 || event.detail.xhr.status === 403) { window.location.reload(); }
});
