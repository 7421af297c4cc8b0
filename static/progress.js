/* progress.js — keeps a job page current: polls /api/jobs/{id} every two
 * seconds while the job runs and updates the state, the progress bar (bytes
 * and chunk k/N while uploading, TikTok's stage while processing) and the
 * event timeline. When the job ends it reloads the page once, so the outcome
 * (post link, reason, Retry) comes from the server's own rendering. Without
 * JavaScript the page shows the state it was rendered with and a Refresh
 * link. */
(function () {
  'use strict';

  var section = document.getElementById('job');
  if (!section) return;
  var id = section.getAttribute('data-job-id');
  var initial = section.getAttribute('data-state');
  var running = { queued: 1, uploading: 1, processing: 1 };
  if (!id || !running[initial]) return;

  var stateEl = document.getElementById('job-state');
  var bar = document.getElementById('job-progress');
  var stage = document.getElementById('job-stage');
  var events = document.getElementById('job-events');
  var labels = {
    queued: 'Queued', uploading: 'Uploading', processing: 'Processing on TikTok',
    published: 'Posted', inboxed: 'Sent to TikTok inbox', failed: 'Failed', cancelled: 'Cancelled'
  };
  var failures = 0;
  var seenEvents = events ? events.children.length : 0;

  function renderEvents(list) {
    if (!events || !list) return;
    for (var i = seenEvents; i < list.length; i++) {
      var li = document.createElement('li');
      li.className = 'event event-' + list[i].kind;
      var t = document.createElement('time');
      t.textContent = (list[i].at || '').replace('T', ' ').replace('Z', ' UTC');
      var k = document.createElement('span');
      k.className = 'kind';
      k.textContent = list[i].kind;
      var m = document.createElement('span');
      m.className = 'message';
      m.textContent = list[i].message;
      li.appendChild(t);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(k);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(m);
      events.appendChild(li);
    }
    seenEvents = Math.max(seenEvents, list.length);
  }

  function apply(job) {
    if (stateEl) {
      stateEl.textContent = labels[job.state] || job.state;
      stateEl.className = 'state state-' + job.state;
    }
    if (bar) {
      var total = job.bytes_total > 0 ? job.bytes_total : 1;
      bar.max = total;
      if (job.state === 'processing') bar.value = total;
      else bar.value = Math.min(job.bytes_sent, total);
    }
    if (stage && job.stage) stage.textContent = job.stage;
    renderEvents(job.events);
    if (!running[job.state]) {
      /* the outcome and its buttons come from the server */
      window.location.reload();
      return false;
    }
    return true;
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/jobs/' + encodeURIComponent(id));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      var again = true;
      if (xhr.status === 200) {
        failures = 0;
        try { again = apply(JSON.parse(xhr.responseText)); } catch (e) { failures++; }
      } else {
        failures++;
      }
      if (again) schedule();
    };
    xhr.onerror = function () { failures++; schedule(); };
    xhr.send();
  }

  function schedule() {
    /* back off while the server does not answer */
    var delay = Math.min(2000 * Math.pow(2, failures), 30000);
    setTimeout(poll, delay);
  }

  schedule();
})();
