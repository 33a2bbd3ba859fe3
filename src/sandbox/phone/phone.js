(function () {
  'use strict';
  var BASE = '/sandbox/phone';
  var EMOJIS = ['\u2764\uFE0F', '\uD83D\uDE02', '\uD83D\uDE2E'];
  var SOURCES = { API: 'via the API', APP: 'from the TikTok app', WEB: 'from the web inbox' };
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var sel = { business_id: params.get('business') || '', username: params.get('user') || '' };
  var snap = null;
  var source = null;
  var typingTimer = 0;
  var nodes = new Map();
  var threadKey = null;
  var lists = { users: '', businesses: '', posts: '' };
  var clockOffset = 0;
  var reconnecting = false;
  // The message whose reaction picker is open: it stays open while the thread re-renders.
  var reacting = null;

  function make(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

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
    renderThread(s);
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

  function label(text) {
    return make('span', { class: 'label', text: text });
  }

  function bubble(m) {
    if (m.template) {
      var buttons = m.template.buttons.map(function (b) {
        var button = make('button', { type: 'button', 'data-testid': 'card-button', 'data-button-id': b.id, 'data-key': 'tap:' + b.id, text: b.title });
        button.addEventListener('click', function () { tap(m.message_id, b.id); });
        return button;
      });
      return make('div', { class: 'bubble card' }, [make('strong', { text: m.template.title }), make('div', { class: 'buttons', role: 'group', 'aria-label': 'Card buttons' }, buttons)]);
    }
    var content = [];
    if (m.type === 'image' && m.media_id) content.push(make('img', { src: BASE + '/media/' + encodeURIComponent(m.media_id), alt: m.direction === 'in' ? 'Image you sent' : 'Image from the business' }));
    else if (m.type === 'sticker') content.push(label('Sticker'));
    else if (m.type === 'emoji') content.push(label('Emoji'));
    else if (m.type === 'video') content.push(label('Video'));
    else if (m.type === 'share_post') content.push(label('Shared a post'), document.createTextNode(m.item_id ? ' ' + m.item_id : ''));
    else if (m.text !== undefined) content.push(document.createTextNode(m.text));
    else content.push(label(m.type));
    return make('div', { class: 'bubble' }, content);
  }

  function messageNode(m, s) {
    var mine = m.direction === 'in';
    var at = new Date(m.timestamp + clockOffset);
    var time = at.toDateString() === new Date().toDateString()
      ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
      : at.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
    var from = mine ? 'You' : '@' + s.business.username + (SOURCES[m.source] ? ' ' + SOURCES[m.source] : '');
    var meta = from + ' \u00B7 ' + time;
    if (m.tapped) meta += ' \u00B7 tapped a card button';
    var metaNode = make('span', { class: 'meta', text: meta });
    var children = [quote(m, s), bubble(m)];
    if (!mine && m.message_id) {
      children.push(reactPicker(m, metaNode));
    } else {
      children.push(metaNode);
      if (m.reactions.length) children.push(make('span', { class: 'chips', text: m.reactions.map(function (r) { return r.emoji; }).join(' ') }));
    }
    return make('li', { class: 'msg', 'data-testid': 'message', 'data-direction': m.direction, 'data-message-id': m.message_id, 'data-type': m.type }, children);
  }

  // What a message says, in a line: for a quote and its label.
  function excerpt(m) {
    var text = m.template ? m.template.title : m.text !== undefined ? m.text : m.type === 'share_post' ? 'Shared a post' : m.type.charAt(0).toUpperCase() + m.type.slice(1);
    text = text.replace(/\s+/g, ' ').trim();
    return text.length > 80 ? text.slice(0, 79) + '\u2026' : text;
  }

  // A quoted reply shows what it quotes; pressing it shows that message.
  function quote(m, s) {
    if (!m.quoted_message_id) return null;
    var quoted = s.conversation.messages.filter(function (q) { return q.message_id === m.quoted_message_id; })[0];
    if (!quoted) return make('span', { class: 'quote', 'data-testid': 'quote', text: 'Replying to an earlier message' });
    var whose = quoted.direction === 'in' ? 'you' : '@' + s.business.username;
    var button = make('button', { type: 'button', class: 'quote', 'data-testid': 'quote', 'data-key': 'quote', 'aria-label': 'Replying to ' + whose + ': ' + excerpt(quoted) + '. Show that message.' }, [
      document.createTextNode('\u21A9 ' + whose + ': \u201C' + excerpt(quoted) + '\u201D')
    ]);
    button.addEventListener('click', function () {
      var target = document.querySelector('[data-testid=message][data-message-id="' + CSS.escape(quoted.message_id) + '"]');
      if (!target) return;
      target.scrollIntoView({ block: 'center' });
      target.classList.add('flash');
      setTimeout(function () { target.classList.remove('flash'); }, 1500);
    });
    return button;
  }

  // One button per business message, beside its time; the three reactions appear when it is pressed.
  function reactPicker(m, metaNode) {
    var open = reacting === m.message_id;
    var mine = m.reactions.filter(function (r) { return r.mine; }).map(function (r) { return r.emoji; });
    var toggle = make('button', {
      type: 'button', class: 'react-open', 'data-testid': 'react-open', 'data-key': 'react-open',
      'aria-expanded': open ? 'true' : 'false', 'aria-label': mine.length ? 'Your reaction ' + mine.join(' ') + ': change it' : 'React to this message',
      text: mine.length ? mine.join(' ') : '\u263A React'
    });
    var buttons = EMOJIS.map(function (emoji) {
      var pressed = mine.indexOf(emoji) >= 0;
      var button = make('button', { type: 'button', 'data-testid': 'react', 'data-emoji': emoji, 'data-key': 'react:' + emoji, 'aria-pressed': pressed ? 'true' : 'false', 'aria-label': (pressed ? 'Remove reaction ' : 'React with ') + emoji, text: emoji });
      button.addEventListener('click', function () {
        reacting = null;
        picker.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
        toggle.focus();
        react(m.message_id, emoji, pressed);
      });
      return button;
    });
    var picker = make('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions', hidden: !open }, buttons);
    toggle.addEventListener('click', function () {
      var opening = picker.hidden;
      closeReactions();
      reacting = opening ? m.message_id : null;
      picker.hidden = !opening;
      toggle.setAttribute('aria-expanded', opening ? 'true' : 'false');
      if (opening) buttons[0].focus();
    });
    return make('div', { class: 'react' }, [metaNode, toggle, picker]);
  }

  function closeReactions() {
    reacting = null;
    Array.prototype.forEach.call(document.querySelectorAll('.react'), function (box) {
      box.querySelector('.reactions').hidden = true;
      box.querySelector('.react-open').setAttribute('aria-expanded', 'false');
    });
  }

  // Arriving through a chat link is not a message, but TikTok tells the business (im_referral_msg):
  // the thread says so where it happened.
  function referralNode(r) {
    return make('li', { class: 'system', 'data-testid': 'referral', 'data-ref': r.ref, text: '\u2713 You arrived through a chat link with ref \u201C' + r.ref + '\u201D: the business got the referral.' });
  }

  function renderThread(s) {
    var thread = $('thread');
    var conv = s.conversation;
    var key = s.business.business_id + '|' + (s.user ? s.user.username : '') + '|' + (conv ? conv.conversation_id : '');
    if (key !== threadKey) {
      threadKey = key;
      nodes = new Map();
      thread.textContent = '';
    }
    var empty = $('empty');
    if (!conv || !conv.messages.length) {
      if (!empty) thread.appendChild(make('li', { id: 'empty', class: 'empty', text: 'No messages yet. Say hi!' }));
      return;
    }
    if (empty) empty.remove();
    var seen = new Set();
    var items = conv.messages.map(function (m) { return { at: m.timestamp, m: m }; });
    (conv.referrals || []).forEach(function (r) { items.push({ at: r.timestamp, r: r }); });
    // Stable: a referral and the message it came with keep their order (referral first).
    items.sort(function (a, b) { return a.at - b.at || (a.r ? -1 : 0) - (b.r ? -1 : 0); });
    items.forEach(function (item) {
      var m = item.m;
      var id = m ? (m.message_id || ('t' + m.timestamp)) : 'ref:' + item.at + ':' + item.r.ref;
      seen.add(id);
      var json = JSON.stringify(m ? [m, reacting === m.message_id] : item.r);
      var known = nodes.get(id);
      if (known && known.json === json) return;
      var node = m ? messageNode(m, s) : referralNode(item.r);
      if (known) {
        var focusKey = known.node.contains(document.activeElement) ? document.activeElement.getAttribute('data-key') : null;
        known.node.replaceWith(node);
        if (focusKey) {
          var again = Array.prototype.find.call(node.querySelectorAll('[data-key]'), function (n) { return n.getAttribute('data-key') === focusKey; });
          if (again) again.focus();
        }
      } else {
        thread.appendChild(node);
      }
      nodes.set(id, { json: json, node: node });
    });
    nodes.forEach(function (entry, id) {
      if (!seen.has(id)) { entry.node.remove(); nodes.delete(id); }
    });
    pin();
  }

  // The thread stays pinned to the newest message unless the user scrolled up to read.
  var stick = true;
  function pin() {
    var thread = $('thread');
    if (stick) thread.scrollTop = thread.scrollHeight;
  }
  $('thread').addEventListener('scroll', function () {
    var thread = $('thread');
    stick = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 60;
  });
  $('thread').addEventListener('load', pin, true);
  if (window.ResizeObserver) new ResizeObserver(pin).observe($('thread'));

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
    else if (reacting) {
      var open = document.querySelector('.react-open[aria-expanded=true]');
      closeReactions();
      if (open) open.focus();
    }
  });
  document.addEventListener('click', function (event) {
    if (reacting && !event.target.closest('.react')) closeReactions();
  });

  setInterval(function () { if (snap) renderHead(snap); }, 30000);
  subscribe();
  refresh().catch(function (error) { notice(error.message); });
})();
