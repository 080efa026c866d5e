// Polls a background job's status until it finishes.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var status = box.querySelector(".status");
  var message = box.querySelector(".message");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.value = job.progress;
        status.textContent = job.status_display || job.status;
        message.textContent = job.message || "";
        box.dataset.status = job.status;
        if (job.status === "succeeded" || job.status === "failed") { window.location.reload(); return; }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") { setTimeout(poll, 500); }
})();
