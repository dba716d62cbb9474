// Every phone a witness: the verify page's one script (progressive
// enhancement; the page works without it). It remembers, in this browser's
// localStorage, the last checkpoint of the town's ledger that a verify page
// showed here (origin, size, root hash). On the next visit it asks the
// public API for the RFC 6962 consistency proof from that size to today's
// and checks it here, with the browser's own SHA-256 (crypto.subtle), so
// that a ledger rewritten, or a second version shown to this phone, does
// not pass unseen even if the server lies. No library, no inline script
// (the site's Content-Security-Policy allows only scripts of its own).
(function () {
  'use strict';
  function b64(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }
  function same(a, b) {
    if (a.length !== b.length) {
      return false;
    }
    for (var i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        return false;
      }
    }
    return true;
  }
  // hashChildren is RFC 6962's interior node hash: SHA-256(0x01 || l || r).
  function hashChildren(l, r) {
    var b = new Uint8Array(1 + l.length + r.length);
    b[0] = 1;
    b.set(l, 1);
    b.set(r, 1 + l.length);
    return crypto.subtle.digest('SHA-256', b).then(function (h) { return new Uint8Array(h); });
  }

  // checkConsistency verifies that the tree of size first and root
  // firstHash is a prefix of the tree of size second and root secondHash,
  // from the RFC 6962 consistency proof (as tlog.ProveTree gives it), by
  // the algorithm of RFC 9162 section 2.1.4.2. It resolves to true or false.
  // Sizes stay below 2^53: no bit operators (they cut at 32 bits).
  function checkConsistency(first, second, firstHash, secondHash, proof) {
    function odd(x) { return x % 2 === 1; }
    function half(x) { return Math.floor(x / 2); }
    if (first < 1 || first > second) {
      return Promise.resolve(false);
    }
    if (first === second) {
      return Promise.resolve(proof.length === 0 && same(firstHash, secondHash));
    }
    if (proof.length === 0) {
      return Promise.resolve(false);
    }
    var path = proof.slice();
    var pow2 = first;
    while (pow2 > 1 && !odd(pow2)) {
      pow2 = half(pow2);
    }
    if (pow2 === 1) {
      path.unshift(firstHash);
    }
    var fn = first - 1;
    var sn = second - 1;
    while (odd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    var fr = path[0];
    var sr = path[0];
    var i = 1;
    function step() {
      if (i >= path.length) {
        return Promise.resolve(sn === 0 && same(fr, firstHash) && same(sr, secondHash));
      }
      var c = path[i++];
      if (sn === 0) {
        return Promise.resolve(false);
      }
      var next;
      if (odd(fn) || fn === sn) {
        next = Promise.all([hashChildren(c, fr), hashChildren(c, sr)]).then(function (h) {
          fr = h[0];
          sr = h[1];
          if (!odd(fn)) {
            while (!odd(fn) && fn !== 0) {
              fn = half(fn);
              sn = half(sn);
            }
          }
        });
      } else {
        next = hashChildren(sr, c).then(function (h) { sr = h; });
      }
      return next.then(function () {
        fn = half(fn);
        sn = half(sn);
        return step();
      });
    }
    return step();
  }
  // The algorithm, for the test that checks it against Go's tlog.CheckTree.
  window.sunshineLedger = { checkConsistency: checkConsistency };

  function main() {
    var box = document.getElementById('phone');
    if (!box || !window.crypto || !window.crypto.subtle || !window.fetch || !window.JSON) {
      return;
    }
    var store;
    try {
      store = window.localStorage;
      store.setItem('sunshine-probe', '1');
      store.removeItem('sunshine-probe');
    } catch (e) {
      return; // storage off (private mode): nothing to remember with
    }
    var cur = {
      origin: box.getAttribute('data-origin'),
      size: Number(box.getAttribute('data-size')),
      root: box.getAttribute('data-root')
    };
    var town = box.getAttribute('data-town') || '';
    if (!cur.origin || !(cur.size > 0) || !cur.root) {
      return;
    }
    var key = 'sunshine-ledger-checkpoint:' + cur.origin;
    var msg = document.getElementById('phone-msg');
    var forget = document.getElementById('phone-forget');

    function show(cls, text) {
      msg.className = cls;
      msg.textContent = text;
      box.hidden = false;
    }
    function remember() {
      store.setItem(key, JSON.stringify({ origin: cur.origin, size: cur.size, root: cur.root, at: new Date().toISOString().slice(0, 10) }));
    }
    function warn(prev, why) {
      show('bad', '警告：当前账本与您上次看到的不一致。' + why + '上次（' + (prev.at || '') + '）本机核验时账本有 ' + prev.size +
        ' 条记录，根哈希 ' + prev.root + '；今日账本 ' + cur.size + ' 条，根哈希 ' + cur.root +
        '。这说明以前的记录可能被改动过，或给您看的账本与给别人看的不是同一本。请截图保存本页，并拨打本页下方的监督电话或 12317 反映。');
      if (forget) {
        forget.hidden = false;
        forget.addEventListener('click', function () {
          remember();
          show('meta', '已改为记住今日的账本（' + cur.size + ' 条记录）。');
          forget.hidden = true;
        });
      }
    }

    var prev = null;
    try {
      prev = JSON.parse(store.getItem(key) || 'null');
    } catch (e) {
      prev = null;
    }
    if (!prev || typeof prev.size !== 'number' || !(prev.size > 0) || typeof prev.root !== 'string') {
      remember();
      show('meta', '本机已记下今日账本（' + cur.size + ' 条记录）。下次在这部手机上打开核验页时，会自动核对账本是否只在末尾增加、以前的记录从未改动。');
      return;
    }
    var oldRoot, newRoot;
    try {
      oldRoot = b64(prev.root);
      newRoot = b64(cur.root);
    } catch (e) {
      warn(prev, '本机记下的根哈希无法识别。');
      return;
    }
    if (prev.size > cur.size) {
      warn(prev, '今日账本比上次还短。');
      return;
    }
    if (prev.size === cur.size) {
      if (same(oldRoot, newRoot)) {
        show('ok', '与您上次核验的账本一致（已增长 0 条）。');
      } else {
        warn(prev, '记录条数相同，内容却不同。');
      }
      return;
    }
    fetch('/api/public/proof/consistency?old=' + prev.size + '&new=' + cur.size + (town ? '&town=' + encodeURIComponent(town) : ''),
      { credentials: 'omit', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.json();
      })
      .then(function (p) {
        return checkConsistency(prev.size, cur.size, oldRoot, newRoot, (p.hashes || []).map(b64));
      })
      .then(function (ok) {
        if (ok) {
          remember();
          show('ok', '与您上次核验的账本一致（已增长 ' + (cur.size - prev.size) + ' 条）：上次（' + (prev.at || '') + '）的 ' + prev.size +
            ' 条记录都在今日账本中，未被改动，新记录只加在后面。');
        } else {
          warn(prev, '今日账本不包含您上次看到的全部记录（一致性证明不成立）。');
        }
      }, function () {
        show('meta', '暂时取不到账本的一致性证明，下次打开核验页时再核对。');
      });
  }
  main();
}());
