// The sandbox phone's page script (served joined after phone-thread.js): the chosen user and business
// (kept in the URL), the live snapshot (server-sent events), the set-up, the header, the composer and
// the extra actions. Every doing is a JSON POST to the phone's own routes (phone.ts).
(function () {
  'use strict';
  var BASE = '/sandbox/phone';
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var sel = { business_id: params.get('business') || '', username: params.get('user') || '' };
  var snap = null;
  var source = null;
  var typingTimer = 0;
  var lists = { users: '', businesses: '', posts: '' };
  var clockOffset = 0;
  var reconnecting = false;

  // The thread (phone-thread.js); tap and react are declared below.
  var view = window.phoneThread({ base: BASE, clockOffset: function () { return clockOffset; }, tap: tap, react: react });
  var make = view.make;

  function query() {
    var q = new URLSearchParams();
    if (sel.business_id) q.set('business_id', sel.business_id);
    if (sel.username) q.set('username', sel.username);
    return q.toString();
  }

  function remember() {
    var q = new URLSearchParams();
    if (sel.business_id) q.set('business', sel.business_id);
    if (sel.username) q.set('user', sel.username);
    var search = q.toString();
    history.replaceState(null, '', BASE + (search ? '?' + search : ''));
  }

  function api(method, path, body) {
    var init = { method: method, cache: 'no-store', headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(BASE + path, init).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) throw new Error((data && data.error && data.error.message) || ('The sandbox answered HTTP ' + res.status + '.'));
        return data;
      });
    });
  }

  function notice(message) {
    var box = $('notice');
    box.textContent = message || '';
    box.hidden = !message;
  }

  function status(message) {
    $('status').textContent = message || '';
  }

  function who(extra) {
    var body = { from_username: sel.username, business_id: sel.business_id };
    Object.keys(extra || {}).forEach(function (key) { body[key] = extra[key]; });
    return body;
  }

  function act(promise, done) {
    notice('');
    status('');
    return promise.then(function (answer) {
      if (done) done(answer);
      return refresh();
    }).catch(function (error) {
      notice(error.message);
    });
  }

  function needUser() {
    if (sel.username) return true;
    notice('Pick or create a user first.');
    return false;
  }

  function subscribe() {
    remember();
    if (source) source.close();
    source = new EventSource(BASE + '/events?' + query());
    source.onmessage = function (event) { render(JSON.parse(event.data)); };
    // Only the reconnecting line is cleared: a confirmation (read receipt, new user) stays.
    source.onopen = function () { if (reconnecting) { reconnecting = false; status(''); } };
    source.onerror = function () { reconnecting = true; status('Reconnecting to the sandbox\u2026'); };
  }

  function refresh() {
    return api('GET', '/state?' + query()).then(render);
  }

  function options(select, items, key, current) {
    var json = JSON.stringify(items);
    if (lists[key] !== json) {
      lists[key] = json;
      select.textContent = '';
      items.forEach(function (item) { select.appendChild(make('option', { value: item.value, text: item.label })); });
    }
    select.value = current;
  }

  function render(s) {
    if (s.business.business_id !== (sel.business_id || s.business.business_id)) return;
    if (sel.username && (!s.user || s.user.username !== sel.username)) {
      if (s.users.some(function (u) { return u.username === sel.username; })) return;
    }
    snap = s;
    clockOffset = Date.now() - s.now;
    var changed = false;
    if (!sel.business_id) { sel.business_id = s.business.business_id; changed = true; }
    if (!sel.username && s.user) { sel.username = s.user.username; changed = true; }
    if (changed) remember();
    options($('business-select'), s.businesses.map(function (b) { return { value: b.business_id, label: b.display_name + ' (@' + b.username + ')' }; }), 'businesses', s.business.business_id);
    options($('user-select'), s.users.map(function (u) { return { value: u.username, label: u.display_name + ' (@' + u.username + ')' + ' \u00B7 ' + u.region }; }), 'users', s.user ? s.user.username : '');
    options($('post-select'), s.posts.map(function (p) { return { value: p.item_id, label: p.description || p.item_id }; }), 'posts', $('post-select').value || (s.posts[0] ? s.posts[0].item_id : ''));
    $('share-post').disabled = !s.posts.length;
    $('post-select').disabled = !s.posts.length;
    renderYou(s);
    renderHead(s);
    view.render(s);
    renderTyping(s);
  }

  function renderYou(s) {
    var user = s.user;
    var follower = $('follower');
    follower.disabled = !user;
    follower.checked = !!(user && user.follower);
    $('follower-label').textContent = 'I follow @' + s.business.username;
    var facts = [];
    if (user) {
      facts.push('You are ' + user.display_name + ' (@' + user.username + '), region ' + user.region + '.');
      if (user.eea) facts.push('As an EEA user, your messages reach the webhook as im_receive_msg_eu (no content: the business fetches it).');
    } else {
      facts.push('Pick or create a user to start.');
    }
    $('you').textContent = facts.join(' ');
  }

  function windowLine(s) {
    var conv = s.conversation;
    if (!conv) return { text: 'No conversation yet: write a message, or open a chat link, to start one.', closed: false };
    var w = conv.window;
    if (w.last_user_message_at === null) return { text: 'The business cannot write until you do.', closed: true };
    if (!w.open) return { text: 'The 48-hour reply window is closed: the business cannot answer until you write again.', closed: true };
    var left = Math.max(0, w.closes_at - (Date.now() - clockOffset));
    var hours = Math.floor(left / 3600000);
    var minutes = Math.floor((left % 3600000) / 60000);
    return { text: 'Reply window open for ' + hours + ' h ' + minutes + ' min \u00B7 the business has ' + w.messages_left + ' of ' + s.messages_per_window + ' messages left', closed: false };
  }

  function renderHead(s) {
    var head = $('chat-title');
    head.textContent = '';
    head.appendChild(document.createTextNode('@' + s.business.username + ' '));
    head.appendChild(make('span', { class: 'sub', text: s.business.display_name }));
    var line = windowLine(s);
    var win = $('window');
    win.textContent = line.text;
    win.className = 'window' + (line.closed ? ' closed' : '');
    var conv = s.conversation;
    var extra = $('conv-type');
    if (conv && conv.type === 'STRANGER') {
      extra.hidden = false;
      extra.textContent = 'Message request: @' + s.business.username + ' takes DMs from followers only and you do not follow it. A reply from the business accepts it.';
    } else {
      extra.hidden = true;
      extra.textContent = '';
    }
    var hint = $('reply-hint');
    hint.textContent = '';
    if (conv) {
      hint.appendChild(document.createTextNode('The business answers with '));
      hint.appendChild(make('code', { text: "tiktok-channel send --to '" + conv.conversation_id + "' --text '\u2026'" }));
    }
  }


  function renderTyping(s) {
    var typing = $('typing');
    clearTimeout(typingTimer);
    var until = s.conversation && s.conversation.typing_until;
    var left = until ? until - s.now : 0;
    typing.textContent = '@' + s.business.username + ' is typing\u2026';
    typing.hidden = !(left > 0);
    if (left > 0) typingTimer = setTimeout(function () { typing.hidden = true; }, left);
  }

  function tap(cardId, buttonId) {
    if (!needUser()) return;
    act(api('POST', '/events', who({ kind: 'template-tap', button_id: buttonId, message_id: cardId })));
  }

  function react(messageId, emoji, remove) {
    if (!needUser()) return;
    act(api('POST', '/events', who({ kind: 'reaction', emoji: emoji, message_id: messageId, remove: remove || undefined })));
  }

  function select(business, username) {
    if (business !== undefined) sel.business_id = business;
    if (username !== undefined) sel.username = username;
    lists.posts = '';
    subscribe();
    return refresh().catch(function (error) { notice(error.message); });
  }

  $('composer-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var composer = $('composer');
    var text = composer.value.replace(/\s+$/, '');
    if (!text.trim()) { composer.focus(); return; }
    if (!needUser()) return;
    var send = $('send');
    send.disabled = true;
    act(api('POST', '/messages', who({ text: text })), function () { composer.value = ''; }).then(function () {
      send.disabled = false;
      composer.focus();
    });
  });

  $('composer').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer-form').requestSubmit();
    }
  });

  $('link-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!needUser()) return;
    notice('');
    api('POST', '/open', { link: $('chat-link').value, username: sel.username }).then(function (answer) {
      $('composer').value = answer.message;
      // With a ref, the thread itself confirms the arrival (referralNode).
      status(answer.ref ? '' : 'Chat opened.');
      showSetup(false);
      return select(answer.business_id).then(function () { $('composer').focus(); });
    }).catch(function (error) { notice(error.message); });
  });

  $('new-user-form').addEventListener('submit', function (event) {
    event.preventDefault();
    notice('');
    api('POST', '/users', {
      username: $('new-username').value,
      display_name: $('new-display-name').value || undefined,
      region: $('new-region').value || undefined,
      follower: $('new-follower').checked,
      business_id: sel.business_id || undefined
    }).then(function (user) {
      $('new-username').value = '';
      $('new-display-name').value = '';
      status('You are now @' + user.username + '.');
      return select(undefined, user.username);
    }).catch(function (error) { notice(error.message); });
  });

  $('user-select').addEventListener('change', function (event) { select(undefined, event.target.value); });
  $('business-select').addEventListener('change', function (event) { select(event.target.value); });

  $('follower').addEventListener('change', function (event) {
    if (!needUser()) return;
    act(api('POST', '/users', { username: sel.username, follower: event.target.checked, business_id: sel.business_id || undefined }));
  });

  $('sticker').addEventListener('click', function () {
    if (needUser()) act(api('POST', '/events', who({ kind: 'sticker' })));
  });

  $('share-post').addEventListener('click', function () {
    if (needUser()) act(api('POST', '/events', who({ kind: 'share-post', item_id: $('post-select').value || undefined })));
  });

  $('mark-read').addEventListener('click', function () {
    if (needUser()) act(api('POST', '/events', who({ kind: 'read' })), function () { status('Read receipt sent.'); });
  });

  $('image-file').addEventListener('change', function (event) {
    var input = event.target;
    var file = input.files && input.files[0];
    if (!file || !needUser()) return;
    if (!/^image\/(png|jpeg)$/.test(file.type)) { notice('Only JPG and PNG images can be sent.'); input.value = ''; return; }
    if (file.size > 3 * 1024 * 1024) { notice('Images must be at most 3 MB.'); input.value = ''; return; }
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result).replace(/^data:[^,]*,/, '');
      input.value = '';
      act(api('POST', '/messages', who({ image: true, image_data: data })));
    };
    reader.readAsDataURL(file);
  });

  // On a phone, set-up is a sheet over the chat and the extra actions a menu above the composer (the
  // classes do nothing on a wide screen, where both are always shown).
  function showSetup(open, focus) {
    $('app').classList.toggle('setup-open', open);
    $('setup-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
    if (focus) (open ? $('setup-close') : $('setup-toggle')).focus();
  }

  function showTools(open, focus) {
    $('app').classList.toggle('tools-open', open);
    $('tools-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
    if (focus) (open ? $('image-file') : $('tools-toggle')).focus();
  }

  $('setup-toggle').addEventListener('click', function () { showSetup(!$('app').classList.contains('setup-open'), true); });
  $('setup-close').addEventListener('click', function () { showSetup(false, true); });
  $('tools-toggle').addEventListener('click', function () { showTools(!$('app').classList.contains('tools-open'), true); });
  $('tools').addEventListener('click', function (event) { if (event.target.closest('button')) showTools(false); });
  $('image-file').addEventListener('change', function () { showTools(false); });

  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    if ($('app').classList.contains('setup-open')) showSetup(false, true);
    else if ($('app').classList.contains('tools-open')) showTools(false, true);
    else view.closeReactions(true);
  });

  setInterval(function () { if (snap) renderHead(snap); }, 30000);
  subscribe();
  refresh().catch(function (error) { notice(error.message); });
})();
