/* preview.js — the video's pictures.
 *  - "Play preview" plays the video in place of its poster. Without
 *    JavaScript the link opens the file itself; with it, a click swaps the
 *    poster (data-poster names its id) for a <video> that loads only then:
 *    the page itself loads pictures, never video.
 *  - The composer's cover picker: a picked frame fills the number field
 *    (cover_ms), and a typed time picks the frame with that time, if any.
 *    Without JavaScript the radios (cover_frame) are sent themselves and
 *    the server takes them when the number field is empty. */
(function () {
  'use strict';

  document.addEventListener('click', function (e) {
    var link = e.target.closest ? e.target.closest('a[data-poster]') : null;
    if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var poster = document.getElementById(link.getAttribute('data-poster'));
    if (!poster) return;
    e.preventDefault();
    var video = document.createElement('video');
    video.src = link.getAttribute('href');
    video.controls = true;
    video.playsInline = true;
    video.autoplay = true;
    video.className = 'poster';
    if (poster.getAttribute('width')) video.width = +poster.getAttribute('width');
    if (poster.getAttribute('height')) video.height = +poster.getAttribute('height');
    if (poster.getAttribute('alt')) video.setAttribute('aria-label', poster.getAttribute('alt').replace(/^A frame of/, 'Preview of'));
    video.id = poster.id;
    poster.parentNode.replaceChild(video, poster);
    link.hidden = true;
    video.focus();
  });

  var field = document.getElementById('cover_ms');
  var radios = document.querySelectorAll('input[name="cover_frame"]');
  if (!field || !radios.length) return;
  function picked() {
    for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i];
    return null;
  }
  for (var i = 0; i < radios.length; i++)
    radios[i].addEventListener('change', function () { field.value = this.value; });
  field.addEventListener('input', function () {
    var match = null;
    for (var i = 0; i < radios.length; i++) if (radios[i].value === field.value) match = radios[i];
    if (match) match.checked = true;
    else { var p = picked(); if (p) p.checked = false; }
  });
  /* the frame checked by the server (the expression's) is the cover
   * unless a time is there already */
  var first = picked();
  if (field.value === '' && first) field.value = first.value;
})();
