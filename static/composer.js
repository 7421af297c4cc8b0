/* composer.js — the composer's interactive rules (TikTok's content sharing
 * guidelines, tiktok-api.md §3). The server enforces every rule again; this
 * only shows them as the user works:
 *   - a live caption counter in UTF-16 units (JavaScript strings are UTF-16,
 *     so an emoji counts 2, as TikTok counts it; line breaks count 1, the
 *     server stores them as LF);
 *   - "Branded content" and "Only me" exclude each other, with the reason;
 *   - Post disabled, with the reason on hover and in words, while the
 *     disclosure is on and neither kind is chosen, while no privacy is
 *     chosen, or while the caption is too long;
 *   - the direct-only settings and the consent text follow the choices.
 * The label prompts and the brand checkboxes appear through CSS (app.css,
 * "Composer" section), so they also work without JavaScript.
 * No inline script (CSP script-src 'self'): the texts come from data-
 * attributes of the form. */
(function () {
  'use strict';

  var form = document.getElementById('composer');
  if (!form) return;
  form.classList.add('js');

  var max = parseInt(form.getAttribute('data-max'), 10) || 2200;
  var discloseText = form.getAttribute('data-disclose-text') || '';
  var brandedPrivateText = form.getAttribute('data-branded-private-text') || '';
  var preflightFailed = form.getAttribute('data-preflight') === '1';

  var title = document.getElementById('title');
  var count = document.getElementById('title-count');
  var countLine = document.getElementById('title-count-line');
  var privacy = document.getElementById('privacy');
  var commercial = document.getElementById('commercial');
  var brandOrganic = document.getElementById('brand_organic');
  var brandContent = document.getElementById('brand_content');
  var brandedBlocked = document.getElementById('branded-blocked');
  var onlyMeNote = document.getElementById('only-me-note');
  var button = document.getElementById('post-button');
  var wrap = document.getElementById('post-wrap');
  var why = document.getElementById('post-why');
  var modeInbox = document.getElementById('mode-inbox');
  var inboxFixed = document.getElementById('mode-inbox-fixed');

  function inboxMode() {
    return !!(inboxFixed || (modeInbox && modeInbox.checked));
  }

  function brandedChosen() {
    return !!(commercial && commercial.checked && brandContent && brandContent.checked);
  }

  function selfOnlyOption() {
    if (!privacy) return null;
    for (var i = 0; i < privacy.options.length; i++)
      if (privacy.options[i].getAttribute('data-self-only') === '1') return privacy.options[i];
    return null;
  }

  /* Guideline 3(b), both directions. */
  function applyBrandedRule() {
    var selfOnly = selfOnlyOption();
    var branded = brandedChosen();
    if (selfOnly) {
      selfOnly.disabled = branded;
      selfOnly.title = branded ? brandedPrivateText : '';
    }
    if (onlyMeNote) onlyMeNote.hidden = !branded;
    var onlyMe = !!(privacy && privacy.value === 'SELF_ONLY');
    if (brandContent) {
      brandContent.disabled = onlyMe;
      if (onlyMe) brandContent.checked = false;
    }
    if (brandedBlocked) brandedBlocked.hidden = !onlyMe;
  }

  function updateCounter() {
    if (!title || !count) return 0;
    var units = title.value.length;
    count.textContent = String(units);
    if (countLine) countLine.classList.toggle('over', units > max);
    return units;
  }

  /* The first reason Post cannot be pressed now, or '' when it can. */
  function blockReason(units) {
    if (preflightFailed) return 'This video does not pass the checks listed above.';
    if (units > max) return 'The caption is ' + (units - max) + ' characters too long.';
    if (inboxMode()) return '';
    if (commercial && commercial.checked &&
        !(brandOrganic && brandOrganic.checked) && !(brandContent && brandContent.checked))
      return discloseText;
    if (privacy && !privacy.value) return 'Choose who can see this post first.';
    return '';
  }

  function update() {
    var units = updateCounter();
    applyBrandedRule();
    form.classList.toggle('mode-is-inbox', inboxMode());
    form.classList.toggle('branded', brandedChosen());
    if (!button) return;
    var reason = blockReason(units);
    button.disabled = reason !== '';
    /* a disabled button gets no hover events in some browsers: the title
     * sits on its wrapper as well */
    button.title = reason;
    if (wrap) wrap.title = reason;
    if (why) {
      why.textContent = reason;
      why.hidden = reason === '';
    }
  }

  form.addEventListener('input', update);
  form.addEventListener('change', update);
  var submitted = false;
  /* one click, one job: the server dedupes by submission id anyway */
  form.addEventListener('submit', function (e) {
    if (button && button.disabled) { e.preventDefault(); return; }
    submitted = true;
    if (button) {
      setTimeout(function () { button.disabled = true; button.textContent = 'Posting…'; }, 0);
    }
  });
  /* Browser Back to this page (from the memory cache, or with the fields
   * the browser restored): the counter, the rules and the Post button
   * follow the fields as they are now, not as they were rendered. */
  window.addEventListener('pageshow', function (e) {
    if (button) button.textContent = 'Post';
    update();
    var sent = document.getElementById('already-sent');
    if (sent) sent.hidden = !(e.persisted && submitted);
  });
  update();
})();
