/* timezone.js — the browser's time zone for the server: fills every
 * <input data-browser-tz> with the IANA name the browser reports (the login
 * form sends it; the server keeps it unless the user picked a zone), and on
 * /settings shows the "Use this browser's zone" form when that zone differs
 * from the saved one. Without JavaScript nothing happens: the zone stays as
 * saved (UTC at first) and the pages say so. */
(function () {
  'use strict';

  var tz = '';
  try {
    tz = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {
    tz = '';
  }
  if (!tz) return;

  var inputs = document.querySelectorAll('input[data-browser-tz]');
  for (var i = 0; i < inputs.length; i++) inputs[i].value = tz;

  var names = document.querySelectorAll('[data-browser-tz-name]');
  for (var j = 0; j < names.length; j++) names[j].textContent = tz;

  var select = document.getElementById('time_zone');
  var form = document.querySelector('form[data-browser-tz-form]');
  if (form && (!select || select.value !== tz)) form.hidden = false;
})();
