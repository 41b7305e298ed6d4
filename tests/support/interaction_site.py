"""Imitation pages that hide interactions behind clicks and inner scroll containers.

Reached as a proxy, like tests/support/platform_site.py (tests pass `--proxy
http://127.0.0.1:PORT --ignore-https-errors`), so the pages sit at real hosts and the
platform's expansion rules (collector.sites.expand) apply. `?hl=en` gives the English UI,
anything else the Indonesian one. Every page hides one item of the watched person,
`WATCHED` ("Budi Santoso", @budi.santoso; on X @budi_santoso) deep behind the expansion,
and every page's social controls (Follow/Ikuti, Like/Suka, Share/Bagikan, Reply/Balas,
...) and forms call endpoints that record a hit in `InteractionSite.social_hits`; a test
fails on any.

  https://www.instagram.com/p/KAMPANYE01/        caption cut short ("... more"/"... lainnya");
        "View all 48 comments" loads 12, a "Load more comments" icon button 12 more each;
        "View replies (N)" under every 7th comment; the watched person's reply is under
        comment 31 (third batch). "320 likes" opens the likers dialog: its own scroll
        container, 20 names per load on scroll, the watched person at position 250.
  https://www.instagram.com/paslon.nomor1/followers/   the profile with its followers
        dialog open: 320 followers, 20 per load, the watched person at position 230.
  https://www.instagram.com/budi.santoso/following/    the watched person's following
        dialog: 60 accounts, 20 per load, @paslon.nomor1 at position 45.
  https://www.facebook.com/paslon.nomor1/posts/1000    post text behind "See more"; two
        comments shown, "View previous comments" (5 older per click), "View more comments"
        (6 newer per click), "View 2 replies" under every 5th; the watched person's long
        comment (an older one) is cut short behind its own "See more" (the rest is not in
        the page until clicked); "All reactions: 120" opens a dialog list (watched at 97).
  https://x.com/paslon01/status/1790000000000000001   a post behind "Show more"; replies
        load 20 at a time as the window scrolls, up to 60; then "Show more replies" loads
        20 per click up to 100; the watched person's reply is number 85.
  https://www.tiktok.com/@paslon01/video/7300000000000000001   caption "more"; comments in
        a side pane that scrolls on its own, 20 per load up to 100; "View N replies" under
        every 10th; the watched person's reply is under comment 57.
  http://forum.contoh.id/thread/42   a closed <details> ("Tampilkan 3 balasan") and an
        aria-expanded="false" control ("More comments (4)"), the watched person in both.
  http://forum.contoh.id/jebakan     the trap: social buttons in both languages, "See more"
        inside a Like button, a submit button and an <input type=submit> labelled like
        expansion controls, a "See more" link to another page, a menu button, a control
        whose click handler submits a form; and one safe "Lihat selengkapnya".
  http://forum.contoh.id/navigasi    a "Show more" button whose script navigates away.
  http://forum.contoh.id/biasa       nothing to expand.
  http://forum.contoh.id/beku        a "Lihat selengkapnya" whose handler never returns.
  http://forum.contoh.id/suka/9      a community site's post: "320 suka" / "320 likes" opens a
        likers dialog loading on scroll (watched at 250); only the generic rules apply.
  http://forum.contoh.id/alamat      "Lihat 2 balasan" opens the replies and changes the address
        with history.replaceState (the same document).
  http://forum.contoh.id/berita/7    a news site's comments worded as none of the platforms
        above: "Lihat 5 komentar sebelumnya" / "View 5 previous comments" loads older ones,
        then "2 balasan lagi" / "2 more replies" (a <span>, no role) under one holds the watched
        person's reply, and "Komentar lainnya" / "More comments" (a plain button that opens on
        mousedown, not on click) loads more.
  https://www.tiktok.com/@budi.santoso, https://www.threads.net/@budi.santoso (and
        @budi.en, @budi.polos, @jebakan): profiles whose following/followers lists open
        in a dialog from their counts (tests/support/list_dialogs.py).
"""

from __future__ import annotations

import html as html_lib
import http.server
import json
import socketserver
import ssl
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support import list_dialogs
from tests.support.platform_site import PlatformHandler
from tests.support.site import self_signed_context

WATCHED = {"name": "Budi Santoso", "handle": "budi.santoso", "x_handle": "budi_santoso"}
CAMPAIGN = {"name": "Paslon Nomor 1", "handle": "paslon.nomor1", "x_handle": "paslon01"}

IG_POST = "https://www.instagram.com/p/KAMPANYE01/"
IG_FOLLOWERS = "https://www.instagram.com/paslon.nomor1/followers/"
IG_FOLLOWING = "https://www.instagram.com/budi.santoso/following/"
FB_POST = "https://www.facebook.com/paslon.nomor1/posts/1000"
X_POST = "https://x.com/paslon01/status/1790000000000000001"
TT_VIDEO = "https://www.tiktok.com/@paslon01/video/7300000000000000001"
FORUM = "http://forum.contoh.id/thread/42"
TRAP = "http://forum.contoh.id/jebakan"
NAVIGATES = "http://forum.contoh.id/navigasi"
PLAIN = "http://forum.contoh.id/biasa"
NEWS = "http://forum.contoh.id/berita/7"
FREEZES = "http://forum.contoh.id/beku"
LIKED = "http://forum.contoh.id/suka/9"
ADDRESSES = "http://forum.contoh.id/alamat"

# What the watched person wrote on each page (a test looks for these words).
SAID = {
    "instagram": "Saya dukung paslon nomor 1, ayo menangkan di Pilkada!",
    "facebook": "sebagai ASN saya tetap mendukung Paslon Nomor 1 sampai menang",
    "x": "Setuju sekali, coblos paslon 01 tanggal 27 November!",
    "tiktok": "Mantap, paslon nomor satu pilihan keluarga kami",
    "forum_details": "Budi Santoso menulis: kita menangkan paslon nomor 1",
    "forum_aria": "Budi Santoso: sudah saya bagikan ke grup dinas",
    "trap": "Budi Santoso ikut hadir di kampanye akbar",
    "navigasi": "Budi Santoso membalas: hadir di posko pemenangan",
    "news": "Budi Santoso: tim pemenangan kecamatan sudah siap, kita coblos nomor 1",
    "beku": "Budi Santoso hadir di panggung kampanye",
    "alamat": "Budi Santoso membalas: siap menangkan nomor 1",
}

_FIRST = [
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
    "Indah",
    "Dimas",
    "Maya",
    "Teguh",
]
_LAST = [
    "Pratama",
    "Wijaya",
    "Saputra",
    "Lestari",
    "Hidayat",
    "Kurniawan",
    "Permata",
    "Nugroho",
    "Sari",
    "Gunawan",
    "Utami",
    "Setiawan",
    "Rahayu",
    "Hakim",
    "Purnama",
    "Susanto",
]


def person(i: int, x: bool = False) -> dict[str, str]:
    first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
    sep = "_" if x else "."
    return {"name": f"{first} {last}", "handle": f"{first}{sep}{last}{i}".lower()}


def watched(x: bool = False) -> dict[str, str]:
    return {"name": WATCHED["name"], "handle": WATCHED["x_handle" if x else "handle"]}


def campaign() -> dict[str, str]:
    return {"name": CAMPAIGN["name"], "handle": CAMPAIGN["handle"]}


# people lists: name -> (size, {position (1-based): who})
LISTS: dict[str, tuple[int, dict[int, dict[str, str]]]] = {
    "likers": (320, {250: watched()}),
    "followers": (320, {230: watched()}),
    "following": (60, {45: campaign()}),
    "reactions": (120, {97: watched()}),
}
PAGE = 20


def people(name: str, offset: int, limit: int) -> dict[str, Any]:
    size, special = LISTS[name]
    items = [special.get(i + 1) or person(i) for i in range(offset, min(offset + limit, size))]
    return {"items": items, "total": size}


LABELS = {
    "en": {
        "follow": "Follow",
        "like": "Like",
        "share": "Share",
        "reply": "Reply",
        "comment": "Comment",
        "save": "Save",
        "repost": "Repost",
        "more": "more",
        "see_more": "See more",
        "show_more": "Show more",
        "view_all": "View all {n} comments",
        "load_more": "Load more comments",
        "view_replies": "View replies ({n})",
        "hide_replies": "Hide replies",
        "likes": "{n} likes",
        "likes_title": "Likes",
        "followers": "Followers",
        "following": "Following",
        "previous": "View previous comments",
        "more_comments": "View more comments",
        "fb_replies": "View {n} replies",
        "reactions": "All reactions: {n}",
        "reactions_title": "Reactions",
        "more_replies": "Show more replies",
        "tt_replies": "View {n} replies",
        "comments": "Comments",
    },
    "id": {
        "follow": "Ikuti",
        "like": "Suka",
        "share": "Bagikan",
        "reply": "Balas",
        "comment": "Komentari",
        "save": "Simpan",
        "repost": "Posting ulang",
        "more": "lainnya",
        "see_more": "Lihat selengkapnya",
        "show_more": "Tampilkan lebih banyak",
        "view_all": "Lihat semua {n} komentar",
        "load_more": "Muat komentar lainnya",
        "view_replies": "Lihat balasan ({n})",
        "hide_replies": "Sembunyikan balasan",
        "likes": "{n} suka",
        "likes_title": "Suka",
        "followers": "Pengikut",
        "following": "Mengikuti",
        "previous": "Lihat komentar sebelumnya",
        "more_comments": "Lihat komentar lainnya",
        "fb_replies": "Lihat {n} balasan",
        "reactions": "Semua reaksi: {n}",
        "reactions_title": "Reaksi",
        "more_replies": "Tampilkan balasan lainnya",
        "tt_replies": "Lihat {n} balasan",
        "comments": "Komentar",
    },
}

_STYLE = """
body{margin:0;font:15px/1.4 sans-serif;background:#fafafa;color:#222}
main{max-width:760px;margin:0 auto;padding:16px}
.post,.comment,.reply,.row{background:#fff;border:1px solid #ddd;margin:8px 0;padding:8px}
.reply{margin-left:32px}
.actions button,.row button{font-size:13px;margin-right:6px}
.ctl{background:none;border:0;color:#00376b;cursor:pointer;font-size:14px;padding:4px 0}
.overlay{position:fixed;inset:0;background:rgba(0,0,0,.55);display:flex;
  align-items:center;justify-content:center;z-index:10}
.dialog{background:#fff;width:420px;border-radius:8px}
.dialog h2{margin:0;padding:10px;font-size:16px;text-align:center;border-bottom:1px solid #ddd}
.list{height:400px;overflow-y:auto}
.list .row{margin:0;border-width:0 0 1px 0;height:40px;display:flex;align-items:center;gap:8px}
.avatar{width:28px;height:28px;border-radius:50%;background:#c8a}
.pane{position:fixed;right:0;top:0;bottom:0;width:380px;overflow-y:auto;background:#fff;
  border-left:1px solid #ccc}
.video{width:300px;height:520px;background:#111;color:#fff;display:flex;align-items:center;
  justify-content:center}
.feed{min-height:120px}
"""

# Shared by every page: labels, fetch helpers, the social endpoints.
_COMMON_JS = (
    list_dialogs.DOM_HELPERS_JS
    + r"""
const L = JSON.parse(document.getElementById('labels').textContent);
const fmt = (s, n) => s.replace('{n}', n);
const api = async (path) => (await fetch(path)).json();
function actions(extra) {
  return h('div', {class: 'actions'},
    h('button', {onclick: () => hit('like'), 'aria-label': L.like}, '\u2661'),
    h('button', {onclick: () => hit('reply')}, L.reply), ...(extra || []));
}
function row(p, href) {
  return h('div', {class: 'row'}, h('span', {class: 'avatar'}),
    h('a', {href: href(p.handle)}, p.handle), h('span', {}, p.name),
    h('button', {onclick: () => hit('follow')}, L.follow));
}
// a people list in a dialog's own scroll container, loading PAGE more near its bottom
function peopleDialog(title, list, href, into) {
  const box = h('div', {class: 'list'});
  const dlg = h('div', {class: 'overlay'},
    h('div', {class: 'dialog', role: 'dialog', 'aria-label': title}, h('h2', {}, title), box));
  let offset = 0, loading = false, total = Infinity;
  async function more() {
    if (loading || offset >= total) return;
    loading = true;
    const got = await api('/api/people?list=' + list + '&offset=' + offset + '&limit=20');
    total = got.total;
    for (const p of got.items) box.append(row(p, href));
    offset += got.items.length;
    loading = false;
  }
  box.addEventListener('scroll', () => {
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 40) more();
  });
  (into || document.body).append(dlg);
  more();
}
"""
)


def page(title: str, lang: str, body: str, script: str) -> bytes:
    labels = json.dumps(LABELS[lang])
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{html_lib.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}<script type='application/json' id='labels'>{labels}</script>"
        f"<script>{_COMMON_JS}{script}</script></body></html>"
    ).encode()


# -- Instagram ------------------------------------------------------------------------------


def ig_comments(offset: int, limit: int) -> list[dict[str, Any]]:
    out = []
    for i in range(offset, min(offset + limit, 48)):
        p = person(100 + i)
        out.append(
            {
                "id": i + 1,
                "handle": p["handle"],
                "text": f"Komentar nomor {i + 1} tentang program kerja.",
                "replies": 3 if (i + 1) == 31 else (2 if (i + 1) % 7 == 0 else 0),
            }
        )
    return out


def ig_replies(comment: int) -> list[dict[str, Any]]:
    if comment == 31:
        return [
            {"handle": person(300)["handle"], "text": "Setuju."},
            {"handle": WATCHED["handle"], "text": SAID["instagram"]},
            {"handle": person(301)["handle"], "text": "Hadir!"},
        ]
    return [{"handle": person(310 + k)["handle"], "text": f"Balasan {k + 1}"} for k in range(2)]


def ig_post(lang: str) -> bytes:
    caption = "Terima kasih warga Solo atas dukungannya. " * 3
    body = (
        "<main><article class='post'>"
        f"<header><a href='/{CAMPAIGN['handle']}/'>{CAMPAIGN['handle']}</a> "
        "<button class='ctl' id='follow'>FOLLOW</button></header>"
        "<div style='height:300px;background:#d99'></div>"
        "<div class='actions' id='post-actions'></div>"
        "<button class='ctl' id='likes'>LIKES</button>"
        f"<p id='caption'><b>{CAMPAIGN['handle']}</b> {caption[:60]}"
        "<span id='rest' hidden></span> <span role='button' class='ctl' id='capmore'>… "
        "MORE</span></p>"
        "<div id='comments'></div><button class='ctl' id='all'>ALL</button>"
        "</article></main>"
    )
    script = f"""
const full = {json.dumps(caption[60:] + "#Pilkada2024")};
document.getElementById('follow').textContent = L.follow;
document.getElementById('follow').onclick = () => hit('follow');
document.getElementById('post-actions').append(
  h('button', {{onclick: () => hit('like')}}, h('span', {{'aria-label': L.like}}, '\u2661')),
  h('button', {{onclick: () => hit('comment'), 'aria-label': L.comment}}, '\U0001f4ac'),
  h('button', {{onclick: () => hit('share'), 'aria-label': L.share}}, '\u27a4'),
  h('button', {{onclick: () => hit('save'), 'aria-label': L.save}}, '\U0001f516'));
const capmore = document.getElementById('capmore');
capmore.textContent = '\u2026 ' + L.more;
capmore.onclick = () => {{ document.getElementById('rest').textContent = full;
  document.getElementById('rest').hidden = false; capmore.remove(); }};
const likes = document.getElementById('likes');
likes.textContent = fmt(L.likes, 320);
likes.onclick = () => peopleDialog(L.likes_title, 'likers', x => '/' + x + '/');
const box = document.getElementById('comments');
let offset = 0;
let moreBtn = null;
function comment(c) {{
  const item = h('div', {{class: 'comment', id: 'c' + c.id}},
    h('a', {{href: '/' + c.handle + '/'}}, c.handle), ' ', c.text, actions());
  if (c.replies) {{
    const ctl = h('button', {{class: 'ctl'}}, '\u2014\u2014 ' + fmt(L.view_replies, c.replies));
    let shown = null;
    ctl.onclick = async () => {{
      if (shown) {{ shown.remove(); shown = null;
        ctl.textContent = '\u2014\u2014 ' + fmt(L.view_replies, c.replies); return; }}
      const got = await api('/api/ig/replies?comment=' + c.id);
      shown = h('div', {{}}, ...got.map(r => h('div', {{class: 'reply'}},
        h('a', {{href: '/' + r.handle + '/'}}, r.handle), ' ', r.text, actions())));
      item.append(shown);
      ctl.textContent = '\u2014\u2014 ' + L.hide_replies;
    }};
    item.append(ctl);
  }}
  return item;
}}
async function load() {{
  const got = await api('/api/ig/comments?offset=' + offset + '&limit=12');
  for (const c of got) box.append(comment(c));
  offset += got.length;
  if (moreBtn) moreBtn.remove();
  moreBtn = null;
  if (offset < 48) {{
    moreBtn = h('button', {{class: 'ctl', onclick: load}},
      h('svg', {{'aria-label': L.load_more, width: 24, height: 24}}));
    box.after(moreBtn);
  }}
}}
const all = document.getElementById('all');
all.textContent = fmt(L.view_all, 48);
all.onclick = () => {{ all.remove(); load(); }};
"""
    return page("Instagram", lang, body, script)


def ig_list_page(lang: str, owner: str, which: str, title_key: str) -> bytes:
    body = (
        f"<main><h1>{owner}</h1><p>Profil {owner}. 12 kiriman.</p>"
        "<div style='height:900px;background:#eee'></div></main>"
    )
    script = f"peopleDialog(L.{title_key}, '{which}', x => '/' + x + '/');"
    return page(f"{owner} • Instagram", lang, body, script)


# -- Facebook ---------------------------------------------------------------------------------


def fb_comment(i: int) -> dict[str, Any]:
    if i == 4:
        text = (
            "Mohon maaf sebelumnya kepada rekan-rekan semua, izin menyampaikan pendapat "
            "pribadi: " + SAID["facebook"] + ". Salam."
        )
        return {"id": i, "name": WATCHED["name"], "handle": WATCHED["handle"], "text": text}
    p = person(500 + i)
    return {
        "id": i,
        "name": p["name"],
        "handle": p["handle"],
        "text": f"Komentar ke-{i}: semoga amanah.",
        "replies": 2 if i % 5 == 0 else 0,
    }


FB_TOTAL = 30
FB_FIRST_SHOWN = (11, 12)
CUT = 90  # characters of a long comment shown before "See more"


def fb_comments(start: int, end: int) -> list[dict[str, Any]]:
    out = []
    for i in range(max(1, start), min(end, FB_TOTAL) + 1):
        c = fb_comment(i)
        if len(c["text"]) > CUT:
            c = {**c, "text": c["text"][:CUT], "cut": True}
        out.append(c)
    return out


def fb_post(lang: str) -> bytes:
    text = "Bersama membangun kota. " * 8
    body = (
        "<main><div class='post' role='article'>"
        f"<h3>{CAMPAIGN['name']}</h3><button class='ctl' id='follow'>F</button>"
        f"<p>{text[:80]}<span id='rest'></span> <span role='button' class='ctl' "
        "id='seemore'>S</span></p>"
        "<button class='ctl' id='reactions'>R</button>"
        "<div class='actions' id='post-actions'></div>"
        "<button class='ctl' id='prev'>P</button><div id='comments'></div>"
        "<button class='ctl' id='next'>N</button>"
        "</div></main>"
    )
    script = f"""
const rest = {json.dumps(text[80:])};
const fol = document.getElementById('follow');
fol.textContent = L.follow; fol.onclick = () => hit('follow');
const sm = document.getElementById('seemore');
sm.textContent = L.see_more;
sm.onclick = () => {{ document.getElementById('rest').textContent = rest; sm.remove(); }};
const rx = document.getElementById('reactions');
rx.textContent = fmt(L.reactions, 120);
rx.onclick = () => peopleDialog(L.reactions_title, 'reactions', x => '/' + x);
document.getElementById('post-actions').append(
  h('div', {{role: 'button', onclick: () => hit('like')}}, L.like),
  h('div', {{role: 'button', onclick: () => hit('comment')}}, L.comment),
  h('div', {{role: 'button', onclick: () => hit('share')}}, L.share));
const box = document.getElementById('comments');
function comment(c) {{
  const txt = h('span', {{}}, c.text);
  const item = h('div', {{class: 'comment', role: 'article'}},
    h('a', {{href: '/' + c.handle}}, h('b', {{}}, c.name)), ' ', txt,
    h('div', {{class: 'actions'}}, h('div', {{role: 'button', onclick: () => hit('like')}}, L.like),
      h('div', {{role: 'button', onclick: () => hit('reply')}}, L.reply)));
  if (c.cut) {{
    const more = h('div', {{role: 'button', class: 'ctl'}}, L.see_more);
    more.onclick = async () => {{
      const full = await api('/api/fb/comment?id=' + c.id);
      txt.textContent = full.text; more.remove();
    }};
    txt.after(more);
  }}
  if (c.replies) {{
    const ctl = h('div', {{role: 'button', class: 'ctl'}}, fmt(L.fb_replies, c.replies));
    ctl.onclick = async () => {{
      const got = await api('/api/fb/replies?comment=' + c.id);
      for (const r of got) item.append(h('div', {{class: 'reply'}}, h('b', {{}}, r.name), ' ', r.text));
      ctl.remove();
    }};
    item.append(ctl);
  }}
  return item;
}}
let first = {FB_FIRST_SHOWN[0]}, last = {FB_FIRST_SHOWN[1]};
(async () => {{ for (const c of await api('/api/fb/comments?start=' + first + '&end=' + last))
  box.append(comment(c)); }})();
const prev = document.getElementById('prev');
prev.textContent = L.previous;
prev.onclick = async () => {{
  const got = await api('/api/fb/comments?start=' + (first - 5) + '&end=' + (first - 1));
  box.prepend(...got.map(comment)); first -= 5; if (first <= 1) prev.remove();
}};
const next = document.getElementById('next');
next.textContent = L.more_comments;
next.onclick = async () => {{
  const got = await api('/api/fb/comments?start=' + (last + 1) + '&end=' + (last + 6));
  box.append(...got.map(comment)); last += 6; if (last >= {FB_TOTAL}) next.remove();
}};
"""
    return page("Facebook", lang, body, script)


# -- X --------------------------------------------------------------------------------------


def x_replies(offset: int, limit: int) -> list[dict[str, Any]]:
    out = []
    for i in range(offset, min(offset + limit, 100)):
        p = watched(x=True) if i + 1 == 85 else person(700 + i, x=True)
        text = SAID["x"] if i + 1 == 85 else f"Balasan ke-{i + 1}."
        out.append({"n": i + 1, "name": p["name"], "handle": p["handle"], "text": text})
    return out


def x_post(lang: str) -> bytes:
    text = "Debat kandidat malam ini, saksikan bersama. " * 8
    body = (
        "<main><article class='post' data-testid='tweet'>"
        f"<b>{CAMPAIGN['name']}</b> @{CAMPAIGN['x_handle']} "
        "<button id='follow' data-testid='follow'>F</button>"
        f"<div data-testid='tweetText'>{text[:120]}<span id='rest'></span></div>"
        "<button class='ctl' id='showmore'>S</button>"
        "<div class='actions' id='post-actions'></div></article>"
        "<section id='replies'></section><div id='sentinel' style='height:4px'></div>"
        "</main>"
    )
    script = f"""
const rest = {json.dumps(text[120:])};
const fol = document.getElementById('follow');
fol.textContent = L.follow; fol.onclick = () => hit('follow');
const sm = document.getElementById('showmore');
sm.textContent = L.show_more;
sm.onclick = () => {{ document.getElementById('rest').textContent = rest; sm.remove(); }};
function xactions() {{
  return h('div', {{role: 'group'}},
    h('button', {{'data-testid': 'reply', 'aria-label': '3 replies. ' + L.reply,
      onclick: () => hit('reply')}}, '3'),
    h('button', {{'data-testid': 'retweet', 'aria-label': '1 reposts. ' + L.repost,
      onclick: () => hit('repost')}}, '1'),
    h('button', {{'data-testid': 'like', 'aria-label': '12 likes. ' + L.like,
      onclick: () => hit('like')}}, '12'));
}}
document.getElementById('post-actions').append(xactions());
const box = document.getElementById('replies');
let offset = 0, loading = false, button = null;
async function load() {{
  if (loading || offset >= 100) return;
  loading = true;
  const got = await api('/api/x/replies?offset=' + offset + '&limit=20');
  for (const r of got) box.append(h('article', {{class: 'reply', 'data-testid': 'tweet'}},
    h('b', {{}}, r.name), ' ', h('a', {{href: '/' + r.handle}}, '@' + r.handle), ' ',
    h('div', {{'data-testid': 'tweetText'}}, r.text), xactions()));
  offset += got.length;
  loading = false;
  if (offset >= 60 && offset < 100 && !button) {{
    button = h('button', {{class: 'ctl', onclick: load}}, L.more_replies);
    box.after(button);
  }}
  if (offset >= 100 && button) button.remove();
}}
new IntersectionObserver(es => {{
  if (es.some(e => e.isIntersecting) && offset < 60) load();
}}).observe(document.getElementById('sentinel'));
"""
    return page("X", lang, body, script)


# -- TikTok ---------------------------------------------------------------------------------


def tt_comments(offset: int, limit: int) -> list[dict[str, Any]]:
    out = []
    for i in range(offset, min(offset + limit, 100)):
        p = person(900 + i)
        n = i + 1
        replies = 3 if n == 57 else (2 if n % 10 == 0 else 0)
        out.append({"id": n, "name": p["name"], "handle": p["handle"], "text": f"Keren {n}",
                    "replies": replies})  # fmt: skip
    return out


def tt_replies(comment: int) -> list[dict[str, Any]]:
    if comment == 57:
        return [
            {**person(990), "text": "Betul"},
            {**watched(), "text": SAID["tiktok"]},
            {**person(991), "text": "Gas"},
        ]
    return [{**person(995 + k), "text": f"Balasan {k + 1}"} for k in range(2)]


def tt_video(lang: str) -> bytes:
    body = (
        "<main><div class='video'>VIDEO</div>"
        f"<p><b>@{CAMPAIGN['x_handle']}</b> Kampanye akbar hari ini "
        "<span id='rest' hidden>di lapangan Manahan, ajak keluarga!</span>"
        "<button class='ctl' id='capmore'>M</button></p>"
        "<div id='post-actions'></div></main>"
        "<aside class='pane' id='pane'><h3 id='ctitle'></h3><div id='comments'></div></aside>"
    )
    script = """
const cm = document.getElementById('capmore');
cm.textContent = L.more;
cm.onclick = () => { document.getElementById('rest').hidden = false; cm.remove(); };
document.getElementById('ctitle').textContent = L.comments;
document.getElementById('post-actions').append(
  h('button', {'aria-label': L.like, onclick: () => hit('like')}, '\u2665'),
  h('button', {'aria-label': L.share, onclick: () => hit('share')}, '\u27a6'),
  h('button', {onclick: () => hit('follow')}, L.follow));
const pane = document.getElementById('pane'), box = document.getElementById('comments');
let offset = 0, loading = false;
function comment(c) {
  const item = h('div', {class: 'comment'}, h('a', {href: '/@' + c.handle}, c.name), ' ',
    c.text, actions());
  if (c.replies) {
    const ctl = h('p', {role: 'button', class: 'ctl'}, fmt(L.tt_replies, c.replies));
    ctl.onclick = async () => {
      const got = await api('/api/tt/replies?comment=' + c.id);
      for (const r of got) item.append(h('div', {class: 'reply'},
        h('a', {href: '/@' + r.handle}, r.name), ' ', r.text));
      ctl.remove();
    };
    item.append(ctl);
  }
  return item;
}
async function load() {
  if (loading || offset >= 100) return;
  loading = true;
  const got = await api('/api/tt/comments?offset=' + offset + '&limit=20');
  for (const c of got) box.append(comment(c));
  offset += got.length;
  loading = false;
}
pane.addEventListener('scroll', () => {
  if (pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 40) load();
});
load();
"""
    return page("TikTok", lang, body, script)


# -- the plain web: a forum, the trap, a page that navigates, a plain page ----------------------


def forum(lang: str) -> bytes:
    summary = "Tampilkan 3 balasan" if lang == "id" else "Show 3 replies"
    control = "Komentar lainnya (4)" if lang == "id" else "More comments (4)"
    body = (
        "<main><h1>Forum warga: jalan rusak di Laweyan</h1>"
        "<div class='post'>Mohon perbaikan jalan.</div>"
        f"<details><summary>{summary}</summary><div class='reply'>Setuju.</div>"
        f"<div class='reply'>{SAID['forum_details']}</div><div class='reply'>Ok</div></details>"
        f"<button class='ctl' aria-expanded='false' aria-controls='more' id='toggle'>{control}"
        "</button><div id='more' hidden>"
        + "".join(f"<div class='comment'>Komentar tambahan {k}</div>" for k in range(3))
        + f"<div class='comment'>{SAID['forum_aria']}</div></div></main>"
    )
    script = """
const t = document.getElementById('toggle');
t.onclick = () => { const open = t.getAttribute('aria-expanded') === 'true';
  t.setAttribute('aria-expanded', String(!open));
  document.getElementById('more').hidden = open; };
"""
    return page("Forum warga", lang, body, script)


def news(lang: str) -> bytes:
    """Comments worded as a news site might: only the generic rules know them."""
    words = {
        "id": ("Lihat 5 komentar sebelumnya", "2 balasan lagi", "Komentar lainnya"),
        "en": ("View 5 previous comments", "2 more replies", "More comments"),
    }[lang]
    body = (
        "<main><h1>Kampanye akbar di Manahan dipadati warga</h1>"
        "<p>Ribuan warga hadir pada kampanye akbar pasangan calon nomor 1.</p>"
        f"<button class='ctl' id='older'>{words[0]}</button><div id='comments'>"
        + "".join(f"<div class='comment'>Warga {k}: ramai sekali</div>" for k in range(6, 9))
        + f"</div><button class='ctl' id='newer'>{words[2]}</button></main>"
    )
    script = f"""
const box = document.getElementById('comments');
const said = {json.dumps(SAID["news"])}, more = {json.dumps(words[1])};
document.getElementById('older').onclick = (ev) => {{
  ev.target.remove();
  const older = [1, 2, 3, 4, 5].map(k => h('div', {{class: 'comment'}}, 'Warga ' + k + ': hadir'));
  // a <span> with a script's handler, no role: known by its text alone
  const ctl = h('span', {{class: 'ctl'}}, more);
  ctl.addEventListener('click', () => {{
    ctl.replaceWith(h('div', {{class: 'reply'}}, 'Warga 20: siap'),
                    h('div', {{class: 'reply'}}, said));
  }});
  older[2].append(ctl);
  box.prepend(...older);
}};
// opened on mousedown, as some sites do: a bare el.click() would not open it
document.getElementById('newer').onmousedown = (ev) => {{
  ev.target.remove();
  for (const k of [9, 10, 11]) box.append(h('div', {{class: 'comment'}}, 'Warga ' + k + ': tertib'));
}};
"""
    return page("Berita kota", lang, body, script)


def trap(lang: str) -> bytes:
    social = [
        "Follow", "Ikuti", "Like", "Suka", "Share", "Bagikan", "Join", "Gabung", "Subscribe",
        "Langganan", "Report", "Laporkan", "Block", "Blokir", "Send", "Kirim", "Vote", "Pilih",
        "Save", "Simpan", "Reply", "Balas", "Repost", "Posting ulang", "Komentari", "Comment",
    ]  # fmt: skip
    plain = "".join(
        f"<button onclick=\"hit('{w.lower().replace(' ', '-')}')\">{w}</button>" for w in social
    )
    tricky = (
        # an expansion label inside a social control: the click would bubble to it
        "<button aria-label='Like' onclick=\"hit('like-wrapped')\"><span>See more</span></button>"
        "<div role='button' data-action='follow' onclick=\"hit('follow-data')\">Show more</div>"
        "<button aria-expanded='false' aria-label='Follow budi' onclick=\"hit('follow-aria')\">"
        "Show replies</button>"
        "<div role='button' onclick=\"hit('like-icon')\"><svg aria-label='Suka'></svg>"
        "<span>Lihat selengkapnya</span></div>"
        # forms: a default-submit button, a submit input, a button tied to a form by id
        "<form method='post' action='/form/komentar'><textarea name='t'>Mantap</textarea>"
        "<button>Lihat selengkapnya</button>"
        "<input type='submit' value='Load more comments'></form>"
        "<form id='f2' method='post' action='/form/ikuti'></form>"
        "<button type='submit' form='f2'>View more comments</button>"
        # a script that submits a form when an innocent-looking control is clicked
        "<form id='f3' method='post' action='/form/kirim'></form>"
        "<div role='button' class='ctl' onclick=\"document.getElementById('f3').requestSubmit()\">"
        "Muat komentar lainnya</div>"
        # links that go elsewhere
        "<a href='/trap/nav-hit'>See more</a> "
        "<a href='/trap/new-window' target='_blank'>Show more</a> "
        "<a href='#x' aria-label='Share' onclick=\"hit('share-link')\">Show more</a> "
        # a menu of actions
        "<button aria-haspopup='menu' aria-expanded='false' onclick=\"hit('menu')\">More</button>"
        # a like toggle known only by its class and aria-pressed, around a "see more"
        "<button class='like-btn' aria-pressed='false' onclick=\"hit('like-class')\">\u2665 "
        "<span role='button'>Lihat selengkapnya</span></button>"
        # a wrapper named "Suka" whose listener (no onclick) would get the click
        "<div id='reaksi' aria-label='Suka'><span role='button'>Tampilkan lebih banyak</span>"
        "</div>"
        # a label: a click anywhere in it toggles the follow checkbox
        "<label><input type='checkbox' onchange=\"hit('follow-label')\"> Ikuti "
        "<span role='button'>selengkapnya</span></label>"
        # words split by a zero-width space and a soft hyphen
        "<button aria-expanded='false' onclick=\"hit('follow-zw')\">Fol\u200blow to see more"
        "</button><button aria-expanded='false' onclick=\"hit('subscribe-shy')\">"
        "Lang\u00adganan untuk lihat lainnya</button>"
        # an icon's SVG title says what the control does
        "<div role='button' onclick=\"hit('like-svg')\"><svg width='9' height='9'>"
        "<title>Like</title></svg><span>Show more</span></div>"
        # a javascript: link whose code follows
        "<a href=\"javascript:hit('follow-js-link')\">Muat komentar lainnya</a>"
        # a script's form.submit() (no submit event), a popup, a navigation to a GET action
        "<form id='f4' method='post' action='/form/gabung'></form>"
        "<span role='button' onclick=\"document.getElementById('f4').submit()\">"
        "Lihat komentar sebelumnya</span>"
        "<a href='#' onclick=\"window.open('/trap/popup-follow'); return false\">"
        "Lihat komentar lainnya</a>"
        "<a href='#' onclick=\"location.href='/trap/like-get'; return false\">Lihat 3 balasan</a>"
    )
    safe = (
        f"<p>Laporan kegiatan.<span id='rest' hidden> {SAID['trap']}.</span></p>"
        "<button class='ctl' id='safe' onclick=\"document.getElementById('rest').hidden=false;"
        'this.remove()">Lihat selengkapnya</button>'
    )
    body = f"<main><h1>Jebakan / Trap</h1>{safe}<div>{plain}</div><div>{tricky}</div></main>"
    script = "document.getElementById('reaksi').addEventListener('click', () => hit('like-wrap'));"
    return page("Jebakan", lang, body, script)


def navigates(lang: str) -> bytes:
    body = (
        "<main><h1>Halaman yang berpindah</h1>"
        "<button class='ctl' onclick=\"location.href='/lain'\">Show more</button>"
        f"<details><summary>Lihat balasan (1)</summary><p>{SAID['navigasi']}</p></details>"
        "</main>"
    )
    return page("Navigasi", lang, body, "")


def liked(lang: str) -> bytes:
    """A community site's post (no platform's rules know it): its likes count opens the
    likers in a dialog that loads 20 more as its list is scrolled (watched at 250)."""
    body = (
        "<main><h1>Warga Solo Bersatu</h1><p>Foto kampanye akbar di Manahan.</p>"
        "<div id='post-actions'></div></main>"
    )
    script = """
const likes = h('span', {role: 'button', class: 'ctl'}, fmt(L.likes, 320));
likes.onclick = () => peopleDialog(L.likes_title, 'likers', x => '/' + x + '/');
document.getElementById('post-actions').append(likes, actions());
"""
    return page("Warga", lang, body, script)


def freezes(lang: str) -> bytes:
    """A "See more" whose handler never returns (the page's main thread spins)."""
    body = (
        f"<main><h1>Halaman yang membeku</h1><p>{SAID['beku']}</p>"
        "<button class='ctl' onclick='for (;;) {}'>Lihat selengkapnya</button></main>"
    )
    return page("Beku", lang, body, "")


def addresses(lang: str) -> bytes:
    """Opening the replies puts the comment's id in the address bar (history API), as
    Instagram and Facebook do: the same document, no navigation."""
    body = (
        "<main><h1>Utas</h1><div class='comment'>Komentar pertama</div>"
        "<button class='ctl' id='r'>Lihat 2 balasan</button>"
        f"<div id='b' hidden><div class='reply'>{SAID['alamat']}</div></div></main>"
    )
    script = """
document.getElementById('r').onclick = (e) => {
  document.getElementById('b').hidden = false; e.target.remove();
  history.replaceState(null, '', '?comment_id=42');
};
"""
    return page("Alamat", lang, body, script)


def plain(lang: str) -> bytes:
    body = "<main><h1>Berita biasa</h1>" + "<p>Isi berita. </p>" * 30 + "</main>"
    return page("Biasa", lang, body, "")


# -- the server -------------------------------------------------------------------------------


class InteractionHandler(PlatformHandler):
    server: InteractionSite  # type: ignore[assignment]

    def do_POST(self) -> None:
        url = self.full_url()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.lock:
            self.server.requests.append(("POST", url))
            self.server.social_hits.append(f"POST {url}")
        self.send(200, b"{}", "application/json")

    def full_url(self) -> str:
        if self.path.startswith(("http://", "https://")):
            return self.path
        host = self.tunnel_host or (self.headers.get("Host") or "127.0.0.1").split(":")[0]
        return f"{self.scheme}://{host}{self.path}"

    def do_GET(self) -> None:
        url = self.full_url()
        parts = urlsplit(url)
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        lang = "en" if q.get("hl") == "en" else "id"
        host, path = (parts.hostname or "").lower(), parts.path
        with self.server.lock:
            self.server.requests.append(("GET", url))
            self.server.hits[url] += 1
        if path.startswith(("/api/social/", "/trap/", "/form/")):
            with self.server.lock:
                self.server.social_hits.append(f"GET {url}")
            self.send(200, b"{}", "application/json")
            return
        if path.startswith("/api/"):
            self.json(self.api(path, q))
            return
        body = self.page(host, path, lang)
        if body is None:
            self.send(404, page("Tidak ada", lang, "<main>Tidak ada.</main>", ""))
        else:
            self.send(200, body)

    def json(self, data: Any) -> None:
        self.send(200, json.dumps(data).encode(), "application/json")

    def api(self, path: str, q: dict[str, str]) -> Any:
        n = lambda k, d=0: int(q.get(k, d))  # noqa: E731
        if path == "/api/people" and q["list"].startswith("dlg_"):
            which = q["list"].removeprefix("dlg_")
            unfollowed = self.server.unfollowed
            return list_dialogs.people(which, n("offset"), n("limit", PAGE), unfollowed=unfollowed)
        if path == "/api/people":
            return people(q["list"], n("offset"), n("limit", PAGE))
        if path == "/api/ig/comments":
            return ig_comments(n("offset"), n("limit", 12))
        if path == "/api/ig/replies":
            return ig_replies(n("comment"))
        if path == "/api/fb/comments":
            return fb_comments(n("start"), n("end"))
        if path == "/api/fb/comment":
            return fb_comment(n("id"))
        if path == "/api/fb/replies":
            return [{"name": person(600 + k)["name"], "text": f"Balasan {k}"} for k in range(2)]
        if path == "/api/x/replies":
            return x_replies(n("offset"), n("limit", 20))
        if path == "/api/tt/comments":
            return tt_comments(n("offset"), n("limit", 20))
        if path == "/api/tt/replies":
            return tt_replies(n("comment"))
        return {}

    def page(self, host: str, path: str, lang: str) -> bytes | None:
        if host.endswith(("tiktok.com", "threads.net")) and path.startswith("/@"):
            found = list_dialogs.profile_page(host, path, lang)
            if found is not None:
                return found
        if host.endswith("instagram.com"):
            if path == "/p/KAMPANYE01/":
                return ig_post(lang)
            if path == f"/{CAMPAIGN['handle']}/followers/":
                return ig_list_page(lang, CAMPAIGN["handle"], "followers", "followers")
            if path == f"/{WATCHED['handle']}/following/":
                return ig_list_page(lang, WATCHED["handle"], "following", "following")
        elif host.endswith("facebook.com") and path == "/paslon.nomor1/posts/1000":
            return fb_post(lang)
        elif host == "x.com" and path == "/paslon01/status/1790000000000000001":
            return x_post(lang)
        elif host.endswith("tiktok.com") and path == "/@paslon01/video/7300000000000000001":
            return tt_video(lang)
        elif host == "forum.contoh.id":
            pages = {"/thread/42": forum, "/jebakan": trap, "/navigasi": navigates,
                     "/biasa": plain, "/berita/7": news, "/beku": freezes,
                     "/alamat": addresses, "/suka/9": liked}  # fmt: skip
            if path in pages:
                return pages[path](lang)
            if path == "/lain":
                return page("Halaman lain", lang, "<main>Halaman lain.</main>", "")
        return None


class InteractionSite(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, cert_folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), InteractionHandler)
        self.tls: ssl.SSLContext = self_signed_context(cert_folder)
        self.requests: list[tuple[str, str]] = []
        self.hits: Counter[str] = Counter()
        # every call of a social endpoint, form POST or trap link: must stay empty
        self.social_hits: list[str] = []
        # tests/support/list_dialogs.py: the watched person unfollowed the campaign
        self.unfollowed = False
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def proxy_args(self) -> list[str]:
        return ["--proxy", self.proxy, "--ignore-https-errors"]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
