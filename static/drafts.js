/* drafts.js — a Copy button beside each caption on /drafts. Without it
 * (no JavaScript, no clipboard) the caption is a read-only field to select. */
(function () {
  'use strict';
  var slots = document.querySelectorAll('.copy-slot');
  for (var i = 0; i < slots.length; i++) {
    (function (slot) {
      var field = document.getElementById(slot.getAttribute('data-for'));
      if (!field) return;
      var button = document.createElement('button');
      var status = document.createElement('span');
      button.type = 'button';
      button.className = 'button';
      button.textContent = 'Copy caption';
      status.className = 'muted';
      status.setAttribute('role', 'status');
      button.addEventListener('click', function () {
        var done = function () { status.textContent = ' Copied.'; };
        field.select();
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(field.value).then(done, function () {
            status.textContent = ' Select the text and copy it.';
          });
        } else if (document.execCommand && document.execCommand('copy')) {
          done();
        } else {
          status.textContent = ' Select the text and copy it.';
        }
      });
      slot.appendChild(button);
      slot.appendChild(status);
    })(slots[i]);
  }
})();
