// The sandbox phone's page: static HTML, CSS and a little script, no framework, no build step, nothing
// loaded from elsewhere. Everything dynamic arrives as JSON (phone.ts) and enters the DOM through
// textContent and setAttribute only, so nothing a user types (a username, a message) is ever parsed as
// HTML. The CSP allows exactly this style and this script by their SHA-256 hashes, and requests to the
// page's own origin: no inline handlers, no eval, no external fetches.
//
// Stable hooks (cli-contract.md "Sandbox phone"): chat-link, open-chat, composer, send, message (with
// data-direction in|out), card-button, typing. More for tests and users' scripts: user-select,
// new-username, new-display-name, new-region, new-follower, create-user, follower, business-select,
// window, image-file, sticker, post-select, share-post, mark-read, react, notice, status.
import { createHash } from 'node:crypto';

const STYLE = `
*{box-sizing:border-box}
html,body{margin:0;min-height:100%}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f1f1f2;color:#161823}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.app{display:grid;grid-template-columns:minmax(0,1fr);gap:12px;max-width:1180px;margin:0 auto;padding:12px}
.top{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px}
.top h1{font-size:20px;margin:0}.top p{margin:0;color:#57585f;font-size:14px}
.badge{display:inline-block;background:#d7f7f5;color:#0b5f5c;border-radius:4px;font-size:12px;padding:2px 6px}
.panel{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:14px;min-width:0}
.panel h2{font-size:16px;margin:0 0 8px}
.setup form{margin:0 0 14px}
.field{display:block;margin:0 0 8px}.field span{display:block;font-size:13px;color:#57585f;margin-bottom:2px}
.check{display:flex;gap:8px;align-items:center;margin:0 0 8px;font-size:14px}
.check input{width:20px;height:20px;min-height:0;margin:0}
.row{display:flex;gap:8px}.row>*{flex:1;min-width:0}
details{border:1px solid #e3e3e4;border-radius:8px;padding:6px 10px;margin:0 0 10px}
summary{cursor:pointer;font-weight:600;font-size:14px;padding:4px 0}
input,select,textarea{font:inherit;color:inherit;background:#fff;border:1px solid #b8b8be;border-radius:8px;padding:8px 10px;width:100%;min-height:42px}
button{font:inherit;border:0;border-radius:8px;padding:8px 14px;cursor:pointer;background:#e8e8ea;color:#161823;min-height:42px}
button:hover{background:#dcdce0}
button.primary{background:#c4163f;color:#fff}button.primary:hover{background:#a8102f}
button:disabled{opacity:.55;cursor:default}
:focus-visible{outline:3px solid #0b7f7b;outline-offset:2px}
.hint{font-size:13px;color:#57585f;margin:4px 0 0}
.chat{display:flex;flex-direction:column;height:calc(100vh - 24px);min-height:480px;padding:0;overflow:hidden}
.chat-head{padding:12px 14px;border-bottom:1px solid #e3e3e4}
.chat-head h2{margin:0;font-size:17px}.chat-head .sub{font-weight:400;color:#57585f;font-size:14px}
.window{font-size:13px;color:#0b5f5c;margin:2px 0 0}.window.closed{color:#a3141f}
.reply-hint{font-size:12px;color:#57585f;margin:4px 0 0;overflow-wrap:anywhere}
.reply-hint code{background:#f1f1f2;border-radius:4px;padding:1px 4px;font-size:12px}
.thread{flex:1;overflow-y:auto;list-style:none;margin:0;padding:12px 14px;display:flex;flex-direction:column;gap:10px;min-height:0}
.thread:focus-visible{outline-offset:-3px}
.empty{color:#57585f;font-size:14px;text-align:center;margin:auto}
.msg{max-width:82%;display:flex;flex-direction:column;align-items:flex-start;align-self:flex-start}
.msg[data-direction=in]{align-self:flex-end;align-items:flex-end}
.bubble{border-radius:16px;padding:8px 12px;overflow-wrap:anywhere;white-space:pre-wrap;background:#f1f1f2;max-width:100%}
.msg[data-direction=in] .bubble{background:#c4163f;color:#fff}
.bubble img{display:block;max-width:220px;max-height:220px;border-radius:10px}
.label{font-style:italic}
.card{background:#fff;border:1px solid #d9d9dd;white-space:normal;min-width:200px}
.card strong{display:block;margin-bottom:8px}
.card .buttons{display:flex;flex-direction:column;gap:6px}
.card button{background:#f1f1f2;color:#0b5f5c;font-weight:600;text-align:center}
.meta{font-size:12px;color:#57585f;margin-top:2px}
.reactions{display:flex;gap:4px;margin-top:4px;flex-wrap:wrap}
.reactions button{min-height:32px;padding:2px 8px;border-radius:16px;background:#fff;border:1px solid #d9d9dd}
.reactions button[aria-pressed=true]{background:#ffe3ea;border-color:#c4163f}
.chips{font-size:13px;margin-top:2px}
.typing{margin:0 14px 6px;font-style:italic;color:#57585f;font-size:14px}
.notice{margin:0 14px 8px;background:#fff4e5;color:#6b3d00;border-radius:8px;padding:8px 10px;font-size:14px}
.status{margin:0 14px 8px;color:#0b5f5c;font-size:14px}
.tools{display:flex;flex-wrap:wrap;gap:6px;padding:8px 14px 0;border-top:1px solid #e3e3e4;align-items:center}
.tools select{width:auto;max-width:190px;flex:1 1 140px}
.file{position:relative;display:inline-flex;align-items:center;background:#e8e8ea;border-radius:8px;padding:8px 14px;min-height:42px;cursor:pointer}
.file input{position:absolute;inset:0;opacity:0;cursor:pointer;width:100%;min-height:0}
.file:focus-within{outline:3px solid #0b7f7b;outline-offset:2px}
.composer{display:flex;gap:8px;align-items:flex-end;padding:8px 14px 14px}
.composer textarea{flex:1;resize:none;height:42px;max-height:140px}
@media (min-width:820px){
.app{grid-template-columns:330px minmax(0,1fr);grid-template-rows:auto 1fr;height:100vh}
.top{grid-column:1/-1}
.setup{overflow-y:auto}
.chat{height:auto;min-height:0}
}
`;

// Plain ES2017 in a string: no backticks or template placeholders inside, so it stays exactly as written.
const SCRIPT = String.raw`
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
    source.onopen = function () { status(''); };
    source.onerror = function () { status('Reconnecting to the sandbox\u2026'); };
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
    if (m.quoted_message_id) meta += ' \u00B7 a reply to an earlier message';
    var children = [bubble(m), make('span', { class: 'meta', text: meta })];
    if (!mine && m.message_id) {
      var buttons = EMOJIS.map(function (emoji) {
        var pressed = m.reactions.some(function (r) { return r.mine && r.emoji === emoji; });
        var button = make('button', { type: 'button', 'data-testid': 'react', 'data-emoji': emoji, 'data-key': 'react:' + emoji, 'aria-pressed': pressed ? 'true' : 'false', 'aria-label': (pressed ? 'Remove reaction ' : 'React with ') + emoji, text: emoji });
        button.addEventListener('click', function () { react(m.message_id, emoji, pressed); });
        return button;
      });
      children.push(make('div', { class: 'reactions', role: 'group', 'aria-label': 'React to this message' }, buttons));
    } else if (m.reactions.length) {
      children.push(make('span', { class: 'chips', text: m.reactions.map(function (r) { return r.emoji; }).join(' ') }));
    }
    return make('li', { class: 'msg', 'data-testid': 'message', 'data-direction': m.direction, 'data-message-id': m.message_id, 'data-type': m.type }, children);
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
    conv.messages.forEach(function (m) {
      var id = m.message_id || ('t' + m.timestamp);
      seen.add(id);
      var json = JSON.stringify(m);
      var known = nodes.get(id);
      if (known && known.json === json) return;
      var node = messageNode(m, s);
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
      status(answer.ref ? 'You arrived through the link: the business got the referral with ref ' + answer.ref + '.' : 'Chat opened.');
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

  setInterval(function () { if (snap) renderHead(snap); }, 30000);
  subscribe();
  refresh().catch(function (error) { notice(error.message); });
})();
`;

const BODY = `<div class="app">
<header class="top">
<span class="badge">TikTok sandbox</span>
<h1>Phone</h1>
<p>You play the TikTok user. Everything you do here reaches the business as TikTok would deliver it.</p>
</header>
<section class="panel setup" aria-labelledby="you-title">
<h2 id="you-title">You, the TikTok user</h2>
<label class="field"><span>Play as</span><select id="user-select" data-testid="user-select"></select></label>
<details id="new-user">
<summary>Create a user</summary>
<form id="new-user-form">
<label class="field"><span>Username</span><input id="new-username" data-testid="new-username" name="username" required maxlength="64" autocomplete="off" spellcheck="false" placeholder="sam.rivera"></label>
<label class="field"><span>Display name</span><input id="new-display-name" data-testid="new-display-name" name="display_name" maxlength="64" autocomplete="off" placeholder="Sam Rivera"></label>
<label class="field"><span>Region (two letters; DE, FR… make an EEA user)</span><input id="new-region" data-testid="new-region" name="region" maxlength="2" autocomplete="off" value="CA"></label>
<label class="check"><input type="checkbox" id="new-follower" data-testid="new-follower"> Follows the business</label>
<button type="submit" class="primary" data-testid="create-user">Create and play as this user</button>
</form>
</details>
<p id="you" class="hint"></p>
<label class="check"><input type="checkbox" id="follower" data-testid="follower"> <span id="follower-label">I follow the business</span></label>
<form id="link-form" novalidate>
<label class="field"><span>Open a chat link (from <code>tiktok-channel qr</code>)</span><input id="chat-link" data-testid="chat-link" type="url" autocomplete="off" spellcheck="false" placeholder="https://tiktok.me/acme.studio?ref=spring&amp;message=Hi"></label>
<button type="submit" data-testid="open-chat">Open chat</button>
<p class="hint">A link with <code>ref</code> arrives as a referral; its <code>message</code> is put in the message box for you to send.</p>
</form>
<label class="field"><span>Business</span><select id="business-select" data-testid="business-select"></select></label>
</section>
<section class="panel chat" aria-labelledby="chat-title">
<header class="chat-head">
<h2 id="chat-title">Chat</h2>
<p id="window" class="window" data-testid="window"></p>
<p id="conv-type" class="hint" hidden></p>
<p id="reply-hint" class="reply-hint"></p>
</header>
<ol id="thread" class="thread" data-testid="thread" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages" tabindex="0"></ol>
<p id="typing" class="typing" data-testid="typing" role="status" hidden>typing…</p>
<p id="status" class="status" data-testid="status" role="status"></p>
<p id="notice" class="notice" data-testid="notice" role="alert" hidden></p>
<div class="tools" role="group" aria-label="Send something else">
<label class="file" data-testid="image-button">Image<input type="file" id="image-file" data-testid="image-file" accept="image/png,image/jpeg" aria-label="Send an image (JPG or PNG, up to 3 MB)"></label>
<button type="button" id="sticker" data-testid="sticker">Sticker</button>
<label class="sr-only" for="post-select">Post to share</label>
<select id="post-select" data-testid="post-select"></select>
<button type="button" id="share-post" data-testid="share-post">Share post</button>
<button type="button" id="mark-read" data-testid="mark-read">Mark as read</button>
</div>
<form id="composer-form" class="composer">
<label class="sr-only" for="composer">Message (Enter sends, Shift+Enter for a new line)</label>
<textarea id="composer" data-testid="composer" rows="1" maxlength="6000" placeholder="Message… (Enter sends)"></textarea>
<button type="submit" id="send" class="primary" data-testid="send">Send</button>
</form>
</section>
</div>`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only this style and this script run; requests go to the page's own origin; nothing may frame it. */
export const PHONE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A chat bubble, so the browser asks for this instead of /favicon.ico. */
export const PHONE_ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#c4163f" d="M6 4h20a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H14l-7 6v-6H6a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z"/></svg>';

export const PHONE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="/sandbox/phone/icon.svg" type="image/svg+xml">
<title>Sandbox phone · tiktok-channel</title>
<style>${STYLE}</style></head>
<body>
${BODY}
<script>${SCRIPT}</script>
</body></html>`;
