// The sandbox phone's thread (served joined before phone.js, which owns the rest of the page): each
// message as a bubble with its time, a quoted reply's quote, a card's buttons, one React button per
// business message, and the chat links the user arrived through. Nodes are rebuilt only when their
// message changed, keeping focus and an open reaction picker; everything enters the DOM as text.
(function () {
  'use strict';
  var EMOJIS = ['\u2764\uFE0F', '\uD83D\uDE02', '\uD83D\uDE2E'];
  var SOURCES = { API: 'via the API', APP: 'from the TikTok app', WEB: 'from the web inbox' };
  var $ = function (id) { return document.getElementById(id); };

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

  /**
   * options: base (the phone's path), clockOffset() (browser clock minus the sandbox's), tap(cardId,
   * buttonId), react(messageId, emoji, remove). Returns render(snapshot), closeReactions(focus), make.
   */
  window.phoneThread = function (options) {
    var nodes = new Map();
    var threadKey = null;
    // The message whose reaction picker is open: it stays open while the thread re-renders.
    var reacting = null;

    function label(text) {
      return make('span', { class: 'label', text: text });
    }

    function bubble(m) {
      if (m.template) {
        var buttons = m.template.buttons.map(function (b) {
          var button = make('button', { type: 'button', 'data-testid': 'card-button', 'data-button-id': b.id, 'data-key': 'tap:' + b.id, text: b.title });
          button.addEventListener('click', function () { options.tap(m.message_id, b.id); });
          return button;
        });
        return make('div', { class: 'bubble card' }, [make('strong', { text: m.template.title }), make('div', { class: 'buttons', role: 'group', 'aria-label': 'Card buttons' }, buttons)]);
      }
      var content = [];
      if (m.type === 'image' && m.media_id) content.push(make('img', { src: options.base + '/media/' + encodeURIComponent(m.media_id), alt: m.direction === 'in' ? 'Image you sent' : 'Image from the business' }));
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
      var at = new Date(m.timestamp + options.clockOffset());
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
          options.react(m.message_id, emoji, pressed);
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

    document.addEventListener('click', function (event) {
      if (reacting && !event.target.closest('.react')) closeReactions();
    });

    return {
      make: make,
      render: renderThread,
      /** Closes an open reaction picker (true when one was open), focusing its button if asked. */
      closeReactions: function (focus) {
        if (!reacting) return false;
        var open = document.querySelector('.react-open[aria-expanded=true]');
        closeReactions();
        if (focus && open) open.focus();
        return true;
      }
    };
  };
})();
