/* Office onboarding dashboard: the little script the server-rendered pages need.
 * - follows GET /api/events/stream and refreshes the live regions of the page (no reload);
 * - sends office events to the JSON API with If-Match: <version the page showed>;
 * - posts the register form to POST /api/offices.
 * No inline script or handler anywhere: this file is all the behaviour (strict CSP). */
(function () {
  'use strict';

  var body = document.body;
  var officeId = body.dataset.office || null;
  var ACTOR = 'dashboard';

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function text(tag, content, className) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (content !== undefined && content !== null) el.textContent = String(content);
    return el;
  }

  // ---------------------------------------------------------------- messages
  function showMessage(kind, title, detail, action) {
    var box = $('#messages');
    if (!box) return;
    box.textContent = '';
    var msg = text('div', null, 'message ' + kind);
    msg.setAttribute('data-kind', kind);
    msg.appendChild(text('strong', title));
    if (detail) {
      msg.appendChild(document.createTextNode(' '));
      msg.appendChild(text('span', detail));
    }
    if (action) {
      var btn = text('button', action.label, 'btn secondary');
      btn.type = 'button';
      btn.addEventListener('click', action.run);
      msg.appendChild(btn);
    }
    box.appendChild(msg);
    if (kind !== 'ok') box.scrollIntoView({ block: 'nearest' });
  }

  function clearMessage() {
    var box = $('#messages');
    if (box) box.textContent = '';
  }

  function describeError(status, error) {
    var e = (error && error.error) || {};
    var details = e.details || {};
    if (status === 412) {
      return {
        title: 'This office changed since you opened it.',
        detail: 'Someone else moved it on meanwhile. Nothing was saved. Reload to see where it is now, then try again.',
        reload: true,
      };
    }
    if (status === 409) {
      if (e.code === 'event_not_allowed') {
        return { title: 'Not possible now.', detail: 'The office has moved on and no longer takes this. Nothing was saved. Reload to see what it can do now.', reload: true };
      }
      return { title: 'Not possible now.', detail: (e.message || 'The office is not in a state that takes this.') + ' Nothing was saved.' };
    }
    if (status === 400 || status === 422) {
      var issues = (details.issues || []).map(function (i) {
        var path = Array.isArray(i.path) ? i.path.join('.') : i.path;
        return (path ? path.replace(/^body\./, '') + ': ' : '') + i.message;
      });
      return { title: 'Please check the form.', detail: issues.length ? issues.join('; ') : e.message || 'Some values are not valid.' };
    }
    if (status === 401) return { title: 'You are signed out.', detail: 'Nothing was saved. Reload the page to sign in again.', reload: true };
    if (status === 403) return { title: 'Not allowed.', detail: (e.message || 'Your role cannot do this.') + ' Nothing was saved.', reload: e.code === 'csrf_token_invalid' };
    if (status === 404) return { title: 'Not found.', detail: e.message || 'It no longer exists.' };
    if (status === 503) return { title: 'The server is busy.', detail: 'Nothing was saved; try again in a moment.' };
    return { title: 'Something went wrong (' + status + ').', detail: (e.message || '') + ' Nothing was saved.' };
  }

  function api(method, url, payload, headers) {
    var h = { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Actor': ACTOR };
    var csrf = $('meta[name="csrf-token"]');
    if (csrf) h['X-CSRF-Token'] = csrf.getAttribute('content');
    for (var k in headers || {}) h[k] = headers[k];
    return fetch(url, { method: method, headers: h, body: payload === undefined ? undefined : JSON.stringify(payload), cache: 'no-store' }).then(function (res) {
      return res.text().then(function (t) {
        var json;
        try { json = t ? JSON.parse(t) : null; } catch { json = null; }
        return { status: res.status, ok: res.ok, body: json };
      });
    });
  }

  // ---------------------------------------------------------------- live regions
  var refreshing = false;
  var again = false;
  // A refresh asked for by this page's own submit while another was running: it must still replace
  // the forms, or the user's filled-in form would read as unsaved work and show a stale notice.
  var againForced = false;
  var timer = null;
  var lastRefresh = 0;

  function actionsDirty(region) {
    if (region.contains(document.activeElement) && document.activeElement !== region) return true;
    return $all('input', region).some(function (input) {
      return input.type === 'checkbox' ? input.checked : input.value.trim() !== '';
    });
  }

  function staleNotice(region, version) {
    var note = $('.stale-note', region);
    if (!note) {
      note = text('div', null, 'message warning stale-note');
      note.appendChild(text('strong', 'This office changed since you opened it.'));
      note.appendChild(document.createTextNode(' Your form is kept, but sending it will be refused. '));
      var btn = text('button', 'Show current actions', 'btn secondary');
      btn.type = 'button';
      btn.addEventListener('click', function () { refresh(true); });
      note.appendChild(btn);
      region.insertBefore(note, region.firstChild.nextSibling);
    }
    note.setAttribute('data-current-version', version);
  }

  function refresh(force) {
    if (refreshing) { again = true; againForced = againForced || Boolean(force); return Promise.resolve(); }
    refreshing = true;
    lastRefresh = Date.now();
    return fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        $all('[data-live-region]').forEach(function (region) {
          var name = region.getAttribute('data-live-region');
          var fresh = doc.querySelector('[data-live-region="' + name + '"]');
          if (!fresh) return;
          if (name === 'office-actions') {
            var changed = fresh.getAttribute('data-version') !== region.getAttribute('data-version');
            if (!changed) return;
            if (!force && actionsDirty(region)) { staleNotice(region, fresh.getAttribute('data-version')); return; }
          }
          if (fresh.innerHTML === region.innerHTML) return;
          var adopted = document.importNode(fresh, true);
          region.replaceWith(adopted);
          adopted.classList.add('flash');
        });
        var freshBody = doc.body;
        if (freshBody && freshBody.dataset.version) body.dataset.version = freshBody.dataset.version;
        body.dispatchEvent(new CustomEvent('dashboard:refreshed'));
      })
      .catch(function () { /* the next event will try again */ })
      .then(function () {
        refreshing = false;
        if (!again) return;
        again = false;
        if (againForced) { againForced = false; return refresh(true); }
        schedule();
      });
  }

  /** Coalesces bursts of events: at most one refresh per 700 ms, the first within ~150 ms. */
  function schedule() {
    if (timer) return;
    var wait = Math.max(150, 700 - (Date.now() - lastRefresh));
    timer = setTimeout(function () { timer = null; refresh(false); }, wait);
  }

  function follow() {
    var status = $('#live-status');
    if (!('EventSource' in window)) { if (status) status.textContent = 'Live updates unavailable'; return; }
    // Signed-out pages (sign-in) have no stream to follow.
    if (body.dataset.page === 'signin') { if (status) status.textContent = ''; return; }
    var source = new EventSource('/api/events/stream');
    source.addEventListener('open', function () {
      if (status) { status.textContent = 'Live'; status.classList.add('on'); }
      body.setAttribute('data-live-connected', 'true');
    });
    source.addEventListener('error', function () {
      if (status) { status.textContent = 'Reconnecting…'; status.classList.remove('on'); }
      body.removeAttribute('data-live-connected');
    });
    source.addEventListener('transition', function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch { return; }
      body.dispatchEvent(new CustomEvent('dashboard:transition', { detail: message }));
      if (body.dataset.live === 'office') {
        if (message.office !== officeId) return;
      } else if (body.dataset.live !== 'any') {
        return;
      }
      schedule();
    });
    window.addEventListener('pagehide', function () { source.close(); });
  }

  // ---------------------------------------------------------------- office events
  function payloadOf(form) {
    var payload = { type: form.getAttribute('data-event') };
    $all('[data-kind]', form).forEach(function (input) {
      var kind = input.getAttribute('data-kind');
      if (kind === 'boolean') {
        if (input.checked) payload[input.name] = true;
      } else if (kind === 'list') {
        var items = input.value.split(/[\s,;]+/).filter(Boolean);
        if (items.length) payload[input.name] = items;
      } else if (input.value.trim() !== '') {
        payload[input.name] = input.value.trim();
      }
    });
    return payload;
  }

  function missingFields(form) {
    var missing = $all('[required]', form).filter(function (i) { return i.value.trim() === ''; });
    if (missing.length) {
      showMessage('error', 'Please check the form.', missing.map(function (i) { return i.closest('label').firstChild.textContent.trim() + ' is required'; }).join('; ') + '.');
      missing[0].focus();
    }
    return missing.length > 0;
  }

  /** An event that cannot be undone asks first: the form shows the question and a confirm button. */
  function askToConfirm(form) {
    if ($('.confirm-step', form)) { $('.confirm-step button', form).focus(); return; }
    var step = text('div', null, 'confirm-step message warning');
    step.setAttribute('role', 'alertdialog');
    step.setAttribute('aria-label', 'Confirm');
    step.appendChild(text('strong', form.getAttribute('data-confirm')));
    var yes = text('button', 'Yes, ' + ($('h3', form) ? $('h3', form).textContent.toLowerCase() : 'do it'), 'btn warn');
    yes.type = 'button';
    yes.setAttribute('data-confirm-yes', '');
    var no = text('button', 'Cancel', 'btn secondary');
    no.type = 'button';
    yes.addEventListener('click', function () { step.remove(); onEventSubmit(form, true); });
    no.addEventListener('click', function () { step.remove(); $('button[type="submit"]', form).focus(); });
    step.appendChild(document.createTextNode(' '));
    step.appendChild(yes);
    step.appendChild(document.createTextNode(' '));
    step.appendChild(no);
    form.appendChild(step);
    yes.focus();
  }

  function onEventSubmit(form, confirmed) {
    if (missingFields(form)) return;
    if (form.hasAttribute('data-confirm') && !confirmed) { askToConfirm(form); return; }
    var button = $('button[type="submit"]', form);
    button.disabled = true;
    api('POST', '/api/offices/' + encodeURIComponent(form.getAttribute('data-office')) + '/events', payloadOf(form), {
      'If-Match': '"' + form.getAttribute('data-version') + '"',
    })
      .then(function (res) {
        if (res.ok) {
          showMessage('ok', (form.getAttribute('data-done') || 'Saved') + '.', '');
          return refresh(true);
        }
        var info = describeError(res.status, res.body);
        showMessage(res.status === 412 ? 'warning' : 'error', info.title, info.detail, info.reload ? { label: 'Reload', run: function () { location.reload(); } } : null);
        button.disabled = false;
      })
      .catch(function () {
        showMessage('error', 'Could not reach the server.', 'Nothing was saved; check the connection and try again.');
        button.disabled = false;
      });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.matches && form.matches('form[data-event]')) {
      event.preventDefault();
      clearMessage();
      onEventSubmit(form);
    } else if (form.matches && form.matches('form[data-reminders]')) {
      event.preventDefault();
      clearMessage();
      onReminders(form);
    } else if (form.getAttribute('id') === 'note-form') {
      event.preventDefault();
      clearMessage();
      onNote(form);
    } else if (form.getAttribute('id') === 'register-form') {
      event.preventDefault();
      clearMessage();
      onRegister(form);
    }
  });

  // ---------------------------------------------------------------- reminders: pause and resume
  function onReminders(form) {
    var office = encodeURIComponent(form.getAttribute('data-office'));
    var action = form.getAttribute('data-reminders');
    var payload;
    var method = 'POST';
    var url = '/api/offices/' + office + '/reminders/' + action;
    if (action === 'settings') {
      var zone = form.elements.namedItem('timeZone').value.trim();
      var coordinator = form.elements.namedItem('coordinatorEmail').value.trim();
      payload = { timeZone: zone || null, coordinatorEmail: coordinator || null };
      method = 'PUT';
      url = '/api/offices/' + office + '/reminder-settings';
    } else if (action === 'pause') {
      var until = form.elements.namedItem('until').value;
      var reason = form.elements.namedItem('reason').value.trim();
      if (!until || !reason) { showMessage('error', 'Please check the form.', 'A pause needs an end date and a reason.'); return; }
      payload = { until: until, reason: reason };
    }
    api(method, url, payload).then(function (res) {
      if (res.ok) {
        showMessage('ok', { pause: 'Reminders paused.', resume: 'Reminders resumed.', settings: 'Reminder settings saved.' }[action], '');
        return refresh(true);
      }
      var info = describeError(res.status, res.body);
      showMessage('error', info.title, info.detail);
    }).catch(function () {
      showMessage('error', 'Could not reach the server.', 'Nothing was saved.');
    });
  }

  // ---------------------------------------------------------------- notes
  function onNote(form) {
    var input = form.elements.namedItem('text');
    var note = input.value.trim();
    if (!note) { showMessage('error', 'Please check the form.', 'Write the note first.'); input.focus(); return; }
    var button = $('button[type="submit"]', form);
    button.disabled = true;
    api('POST', '/api/offices/' + encodeURIComponent(form.getAttribute('data-office')) + '/notes', { text: note }).then(function (res) {
      button.disabled = false;
      if (res.ok) {
        input.value = '';
        showMessage('ok', 'Saved: note added.', '');
        return refresh(true);
      }
      var info = describeError(res.status, res.body);
      showMessage('error', info.title, info.detail);
    }).catch(function () {
      button.disabled = false;
      showMessage('error', 'Could not reach the server.', 'Nothing was saved.');
    });
  }

  // ---------------------------------------------------------------- register
  function onRegister(form) {
    var value = function (name) { var el = form.elements.namedItem(name); return el ? el.value.trim() : ''; };
    var office = { name: value('name'), country: value('country'), track: value('track') || 'kit' };
    if (value('officeId')) office.id = value('officeId');
    if (value('city')) office.city = value('city');
    if (value('language')) office.language = value('language');
    office.contacts = $all('.contact', form)
      .map(function (row) {
        var c = {};
        $all('[data-contact-field]', row).forEach(function (input) { if (input.value.trim()) c[input.getAttribute('data-contact-field')] = input.value.trim(); });
        return c;
      })
      .filter(function (c) { return Object.keys(c).length > 0; });
    var problems = [];
    if (!office.name) problems.push('Name is required');
    if (!office.country) problems.push('Country is required');
    if (problems.length) { showMessage('error', 'Please check the form.', problems.join('; ') + '.'); return; }
    var button = $('button[type="submit"]', form);
    button.disabled = true;
    api('POST', '/api/offices', office)
      .then(function (res) {
        if (res.status === 201) { location.assign('/offices/' + encodeURIComponent(res.body.id)); return; }
        var info = describeError(res.status, res.body);
        showMessage('error', res.status === 409 ? 'An office with this id already exists.' : info.title, res.status === 409 ? 'Choose another id, or leave it empty to have one generated. Nothing was saved.' : info.detail);
        button.disabled = false;
      })
      .catch(function () {
        showMessage('error', 'Could not reach the server.', 'Nothing was saved.');
        button.disabled = false;
      });
  }

  var addContact = $('#add-contact');
  if (addContact) {
    addContact.addEventListener('click', function () {
      var rows = $all('.contact');
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var index = rows.length;
      copy.setAttribute('data-contact', index);
      $all('label', copy).forEach(function (label) {
        var input = $('input', label);
        var id = input.id.replace(/^c\d+-/, 'c' + index + '-');
        input.id = id;
        input.value = '';
        label.setAttribute('for', id);
      });
      last.parentNode.insertBefore(copy, addContact);
      $('input', copy).focus();
    });
  }

  // ---------------------------------------------------------------- scrolling regions
  // A table or chart wider than the screen scrolls inside its box; keyboard users must be able to
  // reach it to scroll it (WCAG 2.1.1), so it takes focus exactly while it overflows.
  function markScrollable() {
    $all('.table-wrap, .chart-wrap').forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        if (!box.hasAttribute('tabindex')) box.setAttribute('tabindex', '0');
      } else if (box.getAttribute('tabindex') === '0') {
        box.removeAttribute('tabindex');
      }
    });
  }
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollable, 100);
  });
  body.addEventListener('dashboard:refreshed', markScrollable);

  // ---------------------------------------------------------------- start
  markScrollable();
  follow();
})();
