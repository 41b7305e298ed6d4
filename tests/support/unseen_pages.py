"""Imitation pages written by a reviewer who had not seen collector's rules (issue 15's
session, "unseen" pages): a YouTube-like thread, a Facebook group's members list, X's
reposts and quotes pages, an Instagram reel's likes sentence, a forum where the watched
person is only mentioned, a post with his name in capitals, with titles and in styled
Unicode, a comment pane inside an article, a followers list behind "load more" with
follow buttons. Indonesian UI; `?hl=en` gives English. Every person is invented.

`PAGES`: file name -> HTML; `ROUTES`: the platform address -> file name. Every page calls
`/api/feed?...` for its next rows and `/api/social/<what>` by POST for any social action
(a server must count those: none may ever arrive). Used by
tests/capture/test_unseen_pages.py."""

from __future__ import annotations

import json

FIRST = [
    "Andi",
    "Siti",
    "Dewi",
    "Agus",
    "Rina",
    "Eko",
    "Putri",
    "Rudi",
    "Wati",
    "Joko",
    "Sri",
    "Hendra",
    "Yuni",
    "Bayu",
    "Lina",
    "Fajar",
    "Maya",
    "Dimas",
    "Ratna",
    "Yoga",
]
LAST = [
    "Wijaya",
    "Rahma",
    "Lestari",
    "Saputra",
    "Kurnia",
    "Prasetyo",
    "Handayani",
    "Hidayat",
    "Susanti",
    "Nugroho",
    "Utami",
    "Gunawan",
    "Pratiwi",
    "Setiawan",
    "Anggraini",
]

COMMON = r"""
const EN = new URLSearchParams(location.search).get('hl') === 'en';
const T = (id, en) => EN ? en : id;
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e[k] = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
// every social control calls this: the server files it as a social hit
function hit(what) { fetch('/api/social/' + what, {method: 'POST', body: what}); }
async function load(what) { await fetch('/api/feed?' + what); }
const FIRST = %FIRST%, LAST = %LAST%;
function person(i) {
  const f = FIRST[i % FIRST.length], l = LAST[(i * 7 + 3) % LAST.length];
  return {name: f + ' ' + l, handle: (f + '.' + l + (i > 19 ? i : '')).toLowerCase()};
}
document.documentElement.lang = EN ? 'en' : 'id';
""".replace("%FIRST%", json.dumps(FIRST)).replace("%LAST%", json.dumps(LAST))

STYLE = """
body{margin:0;font-family:sans-serif;font-size:14px;color:#111}
button,[role=button]{cursor:pointer;border:1px solid #bbb;background:#f3f3f3;border-radius:6px;padding:2px 8px;font:inherit}
.row{display:flex;gap:8px;align-items:center;padding:8px;border-bottom:1px solid #eee}
.av{width:32px;height:32px;border-radius:50%;background:#9ab;display:inline-block}
.muted{color:#666;font-size:12px}
"""


def page(title: str, body: str, script: str, style: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{STYLE}{style}</style></head><body>{body}"
        f"<script>{COMMON}{script}</script></body></html>"
    )


PAGES: dict[str, str] = {}
ROUTES: dict[str, str] = {}


def add(url: str, name: str, html: str) -> None:
    PAGES[name] = html
    ROUTES[url] = name


# 1. YouTube-like video: comments load only as the window scrolls (20 at a time up to 60),
#    replies behind "Lihat 3 balasan" / "3 replies". Watched (@budi.santoso) replied under
#    comment 44; comment 12 mentions @budi.santoso in its body. Subscribe/like/reply buttons.
add(
    "https://www.youtube.com/watch",
    "p1_youtube_watch.html",
    page(
        "Kampanye Akbar Paslon 01 - YouTube",
        """<ytd-app><div id="content" style="max-width:860px;margin:0 auto">
<div id="player" style="height:360px;background:#222"></div>
<h1 class="title style-scope ytd-watch-metadata">Kampanye Akbar Paslon 01 di Solo</h1>
<div id="owner"><a href="/@paslon01" class="yt-simple-endpoint"><span class="av"></span>Paslon 01 Official</a>
 <span class="muted" id="subs"></span> <button id="subscribe" class="subscribe-button"></button></div>
<div id="actions"><button id="likevid"></button> <button id="sharevid"></button></div>
<ytd-comments id="comments"><ytd-item-section-renderer id="sections" class="style-scope ytd-comments">
 <div id="header"><h2 id="count" class="style-scope ytd-comments-header-renderer"></h2></div>
 <div id="contents" class="style-scope ytd-item-section-renderer"></div>
 <div id="continuation" style="height:40px"><span class="muted">…</span></div>
</ytd-item-section-renderer></ytd-comments></div></ytd-app>""",
        r"""
document.getElementById('subs').textContent = T('1,2 rb subscriber', '1.2K subscribers');
const sub = document.getElementById('subscribe');
sub.textContent = T('Subscribe', 'Subscribe'); sub.onclick = () => hit('subscribe');
const lv = document.getElementById('likevid');
lv.textContent = '👍 3,4 rb'; lv.setAttribute('aria-label', T('suka video ini bersama 3.400 orang lainnya', 'like this video along with 3,400 other people'));
lv.onclick = () => hit('like-video');
const sv = document.getElementById('sharevid'); sv.textContent = T('Bagikan', 'Share'); sv.onclick = () => hit('share');
document.getElementById('count').textContent = T('60 Komentar', '60 Comments');
const TOTAL = 60; let shown = 0, busy = false;
function view(p, text, cls) {
  return h('ytd-comment-view-model', {id: 'comment', class: 'style-scope ' + cls},
    h('a', {id: 'author-thumbnail', href: '/@' + p.handle}, h('span', {class: 'av'})),
    h('div', {id: 'main'},
      h('div', {id: 'header-author'}, h('h3', {}, h('a', {id: 'author-text', href: '/@' + p.handle}, h('span', {}, '@' + p.handle))),
        ' ', h('span', {class: 'muted'}, T('2 hari yang lalu', '2 days ago'))),
      h('yt-attributed-string', {id: 'content-text'}, h('span', {}, text)),
      h('div', {id: 'toolbar'},
        h('button', {'aria-label': T('Suka komentar ini', 'Like this comment'), onclick: () => hit('like-comment')}, '👍'),
        h('span', {class: 'muted'}, '12'),
        h('button', {'aria-label': T('Tidak suka komentar ini', 'Dislike this comment'), onclick: () => hit('dislike')}, '👎'),
        h('button', {'aria-label': T('Balas', 'Reply'), onclick: () => hit('reply')}, T('Balas', 'Reply')))));
}
function thread(i) {
  const p = person(i);
  const text = i === 12 ? '@budi.santoso nonton ini deh, mantap acaranya' : 'Komentar ke-' + i + ' tentang acara kampanye.';
  const t = h('ytd-comment-thread-renderer', {class: 'style-scope ytd-item-section-renderer'}, view(p, text, 'ytd-comment-thread-renderer'));
  const n = i === 44 ? 3 : (i % 9 === 0 ? 2 : 0);
  if (n) {
    const contents = h('div', {id: 'expander-contents', hidden: ''});
    const label = EN ? n + ' replies' : 'Lihat ' + n + ' balasan';
    const btn = h('button', {id: 'more-replies', 'aria-label': label}, h('span', {}, label));
    btn.onclick = async () => {
      await load('replies=' + i);
      const rs = i === 44
        ? [[person(200), 'Betul sekali'], [{handle: 'budi.santoso'}, 'Saya ASN tapi tetap dukung 01, sampai menang!'], [person(201), 'Hadir']]
        : [[person(210), 'Setuju'], [person(211), 'Mantap']];
      for (const [q, tx] of rs) contents.append(view(q, tx, 'ytd-comment-replies-renderer'));
      contents.hidden = false; btn.remove();
    };
    t.append(h('ytd-comment-replies-renderer', {id: 'replies', class: 'style-scope ytd-comment-thread-renderer'},
      h('div', {id: 'expander'}, btn, contents)));
  }
  return t;
}
const cont = document.getElementById('continuation');
new IntersectionObserver(async (es) => {
  if (!es.some(e => e.isIntersecting) || busy || shown >= TOTAL) return;
  busy = true; await load('comments=' + shown);
  const box = document.getElementById('contents');
  for (let k = 0; k < 20 && shown < TOTAL; k++) box.append(thread(++shown));
  if (shown >= TOTAL) cont.remove();
  busy = false;
}, {rootMargin: '200px'}).observe(cont);
""",
        "ytd-comment-thread-renderer{display:block;padding:8px 0} ytd-comment-view-model{display:flex;gap:8px} ytd-comment-replies-renderer{display:block;margin-left:48px}",
    ),
)

# 2. Facebook-group-like members page: "Anggota" list loading on scroll (20 per load, 96),
#    the watched person at 70; "Gabung ke grup"/"Join group", "Tambah teman"/"Add friend".
add(
    "https://www.facebook.com/groups/relawanpaslon1/members/",
    "p2_fb_group_members.html",
    page(
        "Relawan Paslon 1 | Facebook",
        """<div role="banner"><b>facebook</b></div>
<div role="main" style="max-width:760px;margin:0 auto">
 <div id="ghead"><h1>Relawan Paslon 1</h1><span class="muted" id="gmeta"></span>
  <div role="button" tabindex="0" id="join"></div> <div role="button" tabindex="0" id="share"></div></div>
 <div role="tablist"><a role="tab" href="/groups/relawanpaslon1/about/" id="t1"></a>
  <a role="tab" href="/groups/relawanpaslon1/" id="t2"></a>
  <a role="tab" aria-selected="true" href="/groups/relawanpaslon1/members/" id="t3"></a></div>
 <div id="admins"><h2 id="adm"></h2><div role="list" id="adminlist"></div></div>
 <div><h2 id="memh"></h2><div role="list" id="members"></div><div id="more" style="height:30px"></div></div>
</div>""",
        r"""
document.getElementById('gmeta').textContent = T('Grup Publik · 1,2 rb anggota', 'Public group · 1.2K members');
const join = document.getElementById('join'); join.textContent = T('Gabung ke grup', 'Join group'); join.onclick = () => hit('join');
const sh = document.getElementById('share'); sh.textContent = T('Bagikan', 'Share'); sh.onclick = () => hit('share');
document.getElementById('t1').textContent = T('Tentang', 'About');
document.getElementById('t2').textContent = T('Diskusi', 'Discussion');
document.getElementById('t3').textContent = T('Anggota', 'Members');
document.getElementById('adm').textContent = T('Admin dan moderator · 2', 'Admins and moderators · 2');
document.getElementById('memh').textContent = T('Anggota · 96', 'Members · 96');
function row(p, href, since) {
  const add = h('div', {role: 'button', tabindex: '0', 'aria-label': T('Tambah teman', 'Add friend')}, T('Tambah teman', 'Add friend'));
  add.onclick = () => hit('add-friend');
  return h('div', {role: 'listitem', class: 'row'},
    h('a', {href: href, 'aria-hidden': 'true', tabindex: '-1'}, h('span', {class: 'av'})),
    h('div', {style: 'flex:1'}, h('a', {href: href}, h('span', {}, p.name)), h('div', {class: 'muted'}, since)), add);
}
const adm = document.getElementById('adminlist');
adm.append(row({name: 'Paslon Nomor 1'}, 'https://www.facebook.com/paslon.nomor1', T('Admin', 'Admin')));
adm.append(row(person(3), 'https://www.facebook.com/profile.php?id=100003', T('Moderator', 'Moderator')));
let n = 0, busy = false; const TOTAL = 96;
const more = document.getElementById('more');
new IntersectionObserver(async (es) => {
  if (!es.some(e => e.isIntersecting) || busy || n >= TOTAL) return;
  busy = true; await load('members=' + n);
  const list = document.getElementById('members');
  for (let k = 0; k < 20 && n < TOTAL; k++) {
    n++;
    const p = n === 70 ? {name: 'Budi Santoso'} : person(300 + n);
    const href = n === 70 ? 'https://www.facebook.com/budi.santoso' : 'https://www.facebook.com/profile.php?id=' + (100300 + n);
    list.append(row(p, href, T('Bergabung ' + (n % 5 + 1) + ' minggu lalu', 'Joined ' + (n % 5 + 1) + ' weeks ago')));
  }
  if (n >= TOTAL) more.remove();
  busy = false;
}, {rootMargin: '200px'}).observe(more);
""",
    ),
)

# 3a/3b. X-like post's Reposts and Quotes tabs, on the post's own addresses.
X_SHELL = """<main role="main" style="max-width:600px;margin:0 auto">
<div><h2 id="hdr"></h2></div>
<nav role="tablist" aria-label="%s" id="tabs"></nav>
<section aria-labelledby="accessible-list-0" role="region">
 <h1 id="accessible-list-0" style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(1px,1px,1px,1px)"></h1>
 <div aria-label="" id="tl"></div><div id="more" style="height:30px"></div>
</section></main>"""
X_COMMON = r"""
document.getElementById('hdr').textContent = T('Postingan', 'Post');
const base = '/paslon01/status/1790000000000000002/';
for (const [k, id, en] of [['quotes', 'Kutipan', 'Quotes'], ['retweets', 'Postingan ulang', 'Reposts'], ['likes', 'Suka', 'Likes']]) {
  const a = h('a', {role: 'tab', href: base + k + (EN ? '?hl=en' : '')}, T(id, en));
  if (location.pathname.endsWith(k)) a.setAttribute('aria-selected', 'true');
  document.getElementById('tabs').append(a);
}
"""
add(
    "https://x.com/paslon01/status/1790000000000000002/retweets",
    "p3a_x_retweets.html",
    page(
        "Postingan ulang / X",
        X_SHELL % "Tab postingan",
        X_COMMON
        + r"""
document.getElementById('accessible-list-0').textContent = T('Linimasa: Diposting ulang oleh', 'Timeline: Reposted by');
document.getElementById('tl').setAttribute('aria-label', T('Linimasa: Diposting ulang oleh', 'Timeline: Reposted by'));
let n = 0, busy = false; const TOTAL = 50;
const more = document.getElementById('more');
function cell(p, handle) {
  const f = h('button', {'data-testid': n + '-follow', 'aria-label': T('Ikuti @', 'Follow @') + handle}, T('Ikuti', 'Follow'));
  f.onclick = (e) => { e.stopPropagation(); hit('follow-' + handle); };
  const c = h('div', {'data-testid': 'UserCell', role: 'button', tabindex: '0', class: 'row'},
    h('a', {href: '/' + handle, 'aria-hidden': 'true', tabindex: '-1'}, h('span', {class: 'av'})),
    h('div', {style: 'flex:1'}, h('a', {href: '/' + handle}, h('span', {}, p.name)), h('div', {class: 'muted'}, '@' + handle),
      h('div', {}, T('Warga Solo. Pendukung perubahan.', 'Solo resident.'))), f);
  return h('div', {'data-testid': 'cellInnerDiv'}, c);
}
new IntersectionObserver(async (es) => {
  if (!es.some(e => e.isIntersecting) || busy || n >= TOTAL) return;
  busy = true; await load('retweets=' + n);
  for (let k = 0; k < 20 && n < TOTAL; k++) {
    n++;
    const p = n === 33 ? {name: 'Budi Santoso'} : person(400 + n);
    const handle = n === 33 ? 'budi_santoso' : p.handle.replace(/\./g, '_');
    document.getElementById('tl').append(cell(p, handle));
  }
  if (n >= TOTAL) more.remove();
  busy = false;
}, {rootMargin: '200px'}).observe(more);
""",
    ),
)
add(
    "https://x.com/paslon01/status/1790000000000000002/quotes",
    "p3b_x_quotes.html",
    page(
        "Kutipan / X",
        X_SHELL % "Tab postingan",
        X_COMMON
        + r"""
document.getElementById('accessible-list-0').textContent = T('Linimasa: Cari linimasa', 'Timeline: Search timeline');
document.getElementById('tl').setAttribute('aria-label', T('Linimasa: Cari linimasa', 'Timeline: Search timeline'));
let n = 0, busy = false; const TOTAL = 30;
const more = document.getElementById('more');
function tweet(p, handle, text) {
  const quoted = h('div', {role: 'link', tabindex: '0', style: 'border:1px solid #ccc;border-radius:12px;padding:6px;margin:4px 0'},
    h('div', {}, h('span', {}, 'Paslon 01'), ' ', h('span', {class: 'muted'}, '@paslon01')),
    h('div', {}, T('Ayo datang ke kampanye akbar hari Minggu!', 'Join the rally on Sunday!')));
  const actions = h('div', {role: 'group'},
    h('button', {'data-testid': 'reply', 'aria-label': T('Balas', 'Reply'), onclick: () => hit('reply')}, '💬'),
    h('button', {'data-testid': 'retweet', 'aria-label': T('Posting ulang', 'Repost'), onclick: () => hit('repost')}, '🔁'),
    h('button', {'data-testid': 'like', 'aria-label': T('Suka', 'Like'), onclick: () => hit('like')}, '♡'));
  return h('div', {'data-testid': 'cellInnerDiv'}, h('article', {'data-testid': 'tweet', role: 'article', tabindex: '0', style: 'border-bottom:1px solid #eee;padding:8px'},
    h('div', {'data-testid': 'User-Name'}, h('a', {href: '/' + handle}, h('span', {}, p.name)), ' ', h('a', {href: '/' + handle, class: 'muted'}, '@' + handle)),
    h('div', {'data-testid': 'tweetText'}, text), quoted, actions));
}
new IntersectionObserver(async (es) => {
  if (!es.some(e => e.isIntersecting) || busy || n >= TOTAL) return;
  busy = true; await load('quotes=' + n);
  for (let k = 0; k < 10 && n < TOTAL; k++) {
    n++;
    if (n === 8) { document.getElementById('tl').append(tweet({name: 'Budi Santoso'}, 'budi_santoso', 'Sebagai ASN saya tetap pilih 01. Sampai jumpa di lapangan!')); continue; }
    const p = person(500 + n), handle = p.handle.replace(/\./g, '_');
    const text = n === 14 ? 'Yang ini wajib datang ya @budi_santoso, jangan lupa bawa keluarga' : 'Siap hadir! Kutipan ke-' + n;
    document.getElementById('tl').append(tweet(p, handle, text));
  }
  if (n >= TOTAL) more.remove();
  busy = false;
}, {rootMargin: '200px'}).observe(more);
""",
    ),
)

# 4. Instagram-like reel: "Disukai oleh andi.wijaya dan 212 lainnya" where only "212 lainnya"
#    is the control (a span role=button) that opens the likers dialog; watched at 150.
add(
    "https://www.instagram.com/reel/KAMPANYE02/",
    "p4_ig_reel.html",
    page(
        "Paslon Nomor 1 di Instagram",
        """<main style="display:flex;max-width:900px;margin:0 auto">
<div style="width:400px;height:700px;background:#333"></div>
<div style="flex:1;padding:8px"><header class="row"><a href="/paslon.nomor1/">paslon.nomor1</a> • <div role="button" tabindex="0" id="follow"></div></header>
<div id="cap"><a href="/paslon.nomor1/"><b>paslon.nomor1</b></a> Kampanye akbar di Manahan 🎉 #Pilkada2024</div>
<ul id="comments" style="list-style:none;padding:0"></ul>
<section id="acts"></section><section id="likes"></section><div class="muted">3 hari</div></div></main>
<div id="dialogs"></div>""",
        r"""
const fo = document.getElementById('follow'); fo.textContent = T('Ikuti', 'Follow'); fo.onclick = () => hit('follow');
for (let i = 1; i <= 6; i++) { const p = person(600 + i);
  document.getElementById('comments').append(h('li', {class: 'row'}, h('a', {href: '/' + p.handle + '/'}, p.handle), ' Keren sekali ' + i,
    h('span', {role: 'button', onclick: () => hit('reply'), class: 'muted'}, T('Balas', 'Reply')))); }
document.getElementById('acts').append(
  h('div', {role: 'button', onclick: () => hit('like')}, h('svg', {'aria-label': T('Suka', 'Like'), width: 20, height: 20})),
  h('div', {role: 'button', onclick: () => hit('share')}, h('svg', {'aria-label': T('Bagikan', 'Share'), width: 20, height: 20})));
const others = h('span', {role: 'button', tabindex: '0', style: 'font-weight:bold'}, T('212 lainnya', '212 others'));
document.getElementById('likes').append(T('Disukai oleh ', 'Liked by '), h('a', {href: '/andi.wijaya/'}, h('b', {}, 'andi.wijaya')), T(' dan ', ' and '), others);
others.onclick = () => {
  if (document.getElementById('dlg')) return;
  const list = h('div', {style: 'height:400px;overflow-y:auto', id: 'dlist'});
  const dlg = h('div', {role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'dt', id: 'dlg',
    style: 'position:fixed;inset:60px 30%;background:#fff;border:1px solid #999;border-radius:12px'},
    h('div', {style: 'text-align:center;padding:8px'}, h('h1', {id: 'dt', style: 'font-size:16px;margin:0'}, T('Suka', 'Likes')),
      h('div', {role: 'button', 'aria-label': T('Tutup', 'Close'), onclick: () => dlg.remove(), style: 'position:absolute;right:8px;top:6px'}, '✕')), list);
  document.getElementById('dialogs').append(dlg);
  let n = 0, busy = false;
  async function more() {
    if (busy || n >= 213) return; busy = true; await load('likers=' + n);
    for (let k = 0; k < 20 && n < 213; k++) { n++;
      const p = n === 150 ? {handle: 'budi.santoso', name: 'Budi Santoso'} : (n === 1 ? {handle: 'andi.wijaya', name: 'Andi Wijaya'} : person(700 + n));
      const f = h('button', {}, T('Ikuti', 'Follow')); f.onclick = () => hit('follow-' + p.handle);
      list.append(h('div', {class: 'row'}, h('a', {href: '/' + p.handle + '/'}, h('span', {class: 'av'})),
        h('div', {style: 'flex:1'}, h('a', {href: '/' + p.handle + '/'}, p.handle), h('div', {class: 'muted'}, p.name)), f)); }
    busy = false;
  }
  list.onscroll = () => { if (list.scrollTop + list.clientHeight > list.scrollHeight - 100) more(); };
  more();
};
""",
    ),
)

# 5. Forum thread where the watched person is only @mentioned/named in others' comments.
add(
    "http://forum.warga.id/t/555",
    "p5_forum_mentions.html",
    page(
        "Posko pemenangan - Forum Warga",
        """<main style="max-width:760px;margin:0 auto">
<article id="op"><header><a href="/u/relawan01">relawan01</a></header><h1>Posko pemenangan kecamatan Laweyan</h1>
<p>Info posko dan jadwal relawan.</p></article>
<section id="comments"><h2 id="ch"></h2><ol id="list" style="list-style:none;padding:0"></ol></section></main>""",
        r"""
document.getElementById('ch').textContent = T('Komentar (4)', 'Comments (4)');
const L = document.getElementById('list');
function item(author, handle, body, avatarOnly) {
  const head = avatarOnly
    ? h('a', {href: '/u/' + handle, title: author}, h('span', {class: 'av'}))
    : h('div', {class: 'meta'}, h('a', {href: '/u/' + handle}, h('b', {}, author)), ' ', h('span', {class: 'muted'}, T('2 jam', '2h')));
  return h('li', {class: 'post', style: 'padding:8px;border-bottom:1px solid #eee'}, head, h('div', {class: 'body'}, ...body),
    h('button', {onclick: () => hit('like')}, T('Suka', 'Like')), ' ', h('button', {onclick: () => hit('reply')}, T('Balas', 'Reply')));
}
const c1 = item('Siti Rahma', 'siti.rahma', ['Setuju! ', h('a', {href: '/u/budi.santoso'}, '@budi.santoso'), ' kamu ikut jaga posko kan?']);
L.append(c1);
L.append(item('Agus Saputra', 'agus.saputra', ['Kemarin Budi Santoso juga hadir di posko, lengkap dengan seragam dinas.']));
L.append(item('Rina', 'rina.k', ['@budi.santoso setuju, minggu depan giliran kita.'], true));
const sub = h('ol', {class: 'replies', style: 'list-style:none;margin-left:32px'});
sub.append(item('Eko Prasetyo', 'eko.p', [h('div', {class: 'muted'}, T('Membalas ', 'Replying to '), h('a', {href: '/u/siti.rahma'}, '@siti.rahma'), T(' dan ', ' and '), h('a', {href: '/u/budi.santoso'}, '@budi.santoso')), 'Saya juga ikut!']));
c1.append(sub);
""",
    ),
)

# 6. Facebook-like post: the watched person's name written in capitals, with diacritics,
#    in Unicode "bold" letters and with a title; profile links are numeric (no handle).
add(
    "https://www.facebook.com/paslon.nomor1/posts/2000",
    "p6_fb_name_variants.html",
    page(
        "Paslon Nomor 1 | Facebook",
        """<div role="main" style="max-width:680px;margin:0 auto">
<div role="article" aria-posinset="1"><h2><a href="/paslon.nomor1">Paslon Nomor 1</a></h2><p>Terima kasih relawan!</p>
<div id="comments" style="margin-left:16px"></div></div></div>""",
        r"""
const C = document.getElementById('comments');
function art(kind, name, id, text) {
  const lbl = kind === 'c' ? T('Komentar dari ', 'Comment by ') : T('Balasan dari ', 'Reply by ');
  return h('div', {role: 'article', 'aria-label': lbl + name + T(' 2 jam yang lalu', ' 2 hours ago'), style: 'padding:6px;border-top:1px solid #eee'},
    h('a', {href: 'https://www.facebook.com/profile.php?id=' + id}, h('span', {class: 'av'})),
    h('div', {}, h('a', {href: 'https://www.facebook.com/profile.php?id=' + id}, h('span', {}, name)), h('div', {}, text)),
    h('div', {role: 'button', onclick: () => hit('like')}, T('Suka', 'Like')), ' ', h('div', {role: 'button', onclick: () => hit('reply')}, T('Balas', 'Reply')));
}
C.append(art('c', 'Andi Wijaya', 100001, 'Semangat!'));
C.append(art('c', 'BUDI SANTOSO', 100002, 'Maju terus pantang mundur (1)'));
C.append(art('c', 'Búdi Santoso', 100003, 'Hadir di posko (2)'));
const withReplies = art('c', 'Siti Rahma', 100004, 'Siapa yang ikut?');
const rl = h('div', {role: 'list', style: 'margin-left:32px'});
rl.append(h('div', {role: 'listitem'}, art('r', '\u{1d5d5}\u{1d602}\u{1d5f1}\u{1d5f6} \u{1d5e6}\u{1d5ee}\u{1d5fb}\u{1d601}\u{1d5fc}\u{1d600}\u{1d5fc}', 100005, 'Saya ikut bu (3)')));
withReplies.append(rl); C.append(withReplies);
C.append(art('c', 'Budi Santoso, S.Pd., M.Pd.', 100006, 'Guru juga boleh dukung kan (4)'));
C.append(art('c', 'Budi\u00a0Santoso', 100007, 'Sepakat (5)'));
""",
    ),
)

# 7. News article whose reader comments sit in an overflow:auto pane inside the article,
#    15 loaded, 15 more each time the pane is scrolled near its end (45); watched at 38.
add(
    "https://berita.contoh.id/politik/kampanye-akbar-manahan",
    "p7_news_pane.html",
    page(
        "Kampanye akbar di Manahan - Berita Contoh",
        """<main style="max-width:760px;margin:0 auto">
<article class="artikel"><h1>Ribuan warga hadiri kampanye akbar di Manahan</h1>
<p class="lead">SOLO — Ribuan warga memadati Stadion Manahan, Minggu.</p>
<p>Isi berita panjang tentang kampanye. Isi berita panjang tentang kampanye.</p>
<aside class="tanggapan-widget"><h3 id="th"></h3>
<form action="/api/social/komentar" method="post" id="form"><textarea name="isi" id="ta"></textarea><button id="kirim"></button></form>
<div id="pane" style="height:420px;overflow:auto;border:1px solid #ccc"><ul id="tl" style="list-style:none;padding:0;margin:0"></ul>
<div id="loading" class="muted" style="padding:8px">…</div></div></aside>
<p>Bagian akhir artikel.</p></article></main>""",
        r"""
document.getElementById('th').textContent = T('Tanggapan Pembaca (45)', 'Reader responses (45)');
document.getElementById('ta').placeholder = T('Tulis tanggapan…', 'Write a response…');
document.getElementById('kirim').textContent = T('Kirim', 'Send');
const pane = document.getElementById('pane'), tl = document.getElementById('tl');
let n = 0, busy = false;
async function more() {
  if (busy || n >= 45) return; busy = true; await load('tanggapan=' + n);
  for (let k = 0; k < 15 && n < 45; k++) { n++;
    const p = n === 38 ? {name: 'Budi Santoso', handle: 'budi.santoso'} : person(800 + n);
    tl.append(h('li', {class: 'entry', style: 'padding:8px;border-bottom:1px solid #eee'},
      h('div', {class: 'entry-head'}, h('a', {href: '/pembaca/' + p.handle}, h('strong', {}, p.name)), ' ', h('span', {class: 'muted'}, T('1 jam lalu', '1 hour ago'))),
      h('p', {}, n === 38 ? 'Acara yang luar biasa, saya dan rekan kantor dinas siap memenangkan paslon 01.' : 'Tanggapan pembaca nomor ' + n + '.'),
      h('button', {onclick: () => hit('like-tanggapan')}, '👍 ' + (n % 7)))); }
  if (n >= 45) document.getElementById('loading').remove();
  busy = false;
}
pane.onscroll = () => { if (pane.scrollTop + pane.clientHeight > pane.scrollHeight - 60) more(); };
more();
""",
    ),
)

# 8. Community site: a campaign account's followers page with Follow/Ikuti buttons on every
#    row, "Ikuti balik" next to the watched person; 20 shown, the rest behind "Lihat 20
#    pengikut lainnya" / "See 20 more followers"; watched at 32; trap buttons.
add(
    "http://komunitas.contoh.id/u/paslon1/pengikut",
    "p8_followers_follow_buttons.html",
    page(
        "Pengikut Paslon 1 - Komunitas",
        """<main style="max-width:640px;margin:0 auto">
<header class="profil"><h1>Paslon 1</h1><span class="muted">@paslon1</span> <button id="fol"></button></header>
<h2 id="title"></h2>
<form action="/api/social/follow-all" method="post"><button id="trap1"></button></form>
<div id="rows"></div><button id="loadmore" type="button"></button>
<p><a href="/api/social/follow?u=paslon1" id="trap2"></a></p></main>""",
        r"""
const fol = document.getElementById('fol'); fol.textContent = T('Ikuti', 'Follow'); fol.onclick = () => hit('follow-paslon1');
document.getElementById('title').textContent = T('Pengikut', 'Followers');
document.getElementById('trap1').textContent = T('Tampilkan lebih banyak', 'Show more');
document.getElementById('trap2').textContent = T('Lihat selengkapnya', 'See more');
const rows = document.getElementById('rows'); let n = 0;
function add(k) { for (let j = 0; j < k && n < 52; j++) { n++;
  const p = n === 32 ? {name: 'Budi Santoso', handle: 'budi.santoso'} : person(900 + n);
  const b = h('button', {class: 'btn-ikuti', 'data-user': p.handle}, n === 32 ? T('Ikuti balik', 'Follow back') : T('Ikuti', 'Follow'));
  b.onclick = () => hit('follow-' + p.handle);
  rows.append(h('div', {class: 'row user-row'}, h('a', {href: '/u/' + p.handle}, h('span', {class: 'av'})),
    h('div', {style: 'flex:1'}, h('a', {href: '/u/' + p.handle}, p.name), h('div', {class: 'muted'}, '@' + p.handle)), b)); } }
add(20);
const lm = document.getElementById('loadmore');
lm.textContent = T('Lihat 20 pengikut lainnya', 'See 20 more followers');
lm.onclick = async () => { await load('pengikut=' + n); add(20); if (n >= 52) lm.remove(); };
""",
    ),
)
