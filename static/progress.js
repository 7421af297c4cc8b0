/* progress.js — keeps a job page current: polls /api/jobs/{id} every two
 * seconds while the job runs and updates the state, the progress bar, the
 * line under it and the timeline (all words come from the server: the API
 * carries the same sentences the page shows). The bar glides to each new
 * value, so a small file that is sent between two polls still fills
 * visibly. Cancel disappears once the job can no longer be cancelled. When
 * the job ends the page reloads once, so the outcome (post link, reason,
 * Retry) comes from the server's own rendering. Without JavaScript the page
 * shows the state it was rendered with and a Refresh link. */
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
  var failures = 0;
  var shown = bar ? Number(bar.value) || 0 : 0;
  var target = shown;
  var gliding = false;

  /* ease the bar toward target over about half a second */
  function glide() {
    if (!bar) return;
    var step = (target - shown) * 0.18;
    if (Math.abs(target - shown) < bar.max / 400) shown = target;
    else shown += step;
    bar.value = shown;
    if (shown !== target) window.requestAnimationFrame(glide);
    else gliding = false;
  }

  function setBar(value, max) {
    if (!bar) return;
    bar.max = max;
    target = Math.min(value, max);
    if (!gliding) { gliding = true; window.requestAnimationFrame(glide); }
  }

  function renderEvents(list) {
    if (!events || !list) return;
    while (events.firstChild) events.removeChild(events.firstChild);
    for (var i = 0; i < list.length; i++) {
      var li = document.createElement('li');
      li.className = 'event event-' + list[i].kind;
      var t = document.createElement('time');
      t.setAttribute('datetime', list[i].at_iso || '');
      t.textContent = list[i].at || '';
      var k = document.createElement('span');
      k.className = 'kind';
      k.textContent = list[i].label || '';
      var m = document.createElement('span');
      m.className = 'message';
      m.textContent = list[i].message || '';
      li.appendChild(t);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(k);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(m);
      events.appendChild(li);
    }
  }

  function apply(job) {
    section.setAttribute('data-state', job.state);
    if (stateEl) {
      stateEl.textContent = job.state_label || job.state;
      stateEl.className = 'state state-' + job.state;
    }
    var total = job.bytes_total > 0 ? job.bytes_total : 1;
    setBar(job.state === 'processing' ? total : job.bytes_sent, total);
    if (stage && job.stage) stage.textContent = job.stage;
    if (!job.can_cancel) {
      var cancel = document.getElementById('cancel-form');
      if (cancel) cancel.parentNode.removeChild(cancel);
    }
    renderEvents(job.events);
    if (!running[job.state]) {
      /* the outcome and its buttons come from the server; let the bar
       * finish its glide first */
      setTimeout(function () { window.location.reload(); }, 600);
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
    /* back off while the server does not answer; the first look is soon */
    var delay = Math.min((seen ? 2000 : 700) * Math.pow(2, failures), 30000);
    seen = true;
    setTimeout(poll, delay);
  }

  var seen = false;
  schedule();
})();
