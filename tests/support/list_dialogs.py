"""Imitation TikTok- and Threads-like profiles whose following/followers lists have no
address of their own: they open in a dialog when the profile's count is clicked.

Served by tests/support/interaction_site.py (a proxy, at the platforms' real hosts);
`?hl=en` (or a handle ending in "en") gives the English UI, anything else the Indonesian
one. Every social control (Follow/Ikuti, the followed state Following/Mengikuti that
unfollows when clicked, on the profile and on every row of the lists) calls an endpoint
that records a hit in `InteractionSite.social_hits`: a test fails on any.

  https://www.tiktok.com/@budi.santoso    counts "240 Mengikuti" (TikTok's markup:
        <strong data-e2e="following-count">240</strong><span>Mengikuti</span> in a
        clickable block), "4,5 rb Pengikut", "12,3 rb Suka"; a "Mengikuti" button (the
        followed state) and "Pesan". A click on a count opens a dialog with tabs
        "Mengikuti 240" / "Pengikut 4,5 rb" and the list in its own scroll container, 20
        rows per load on scroll; the campaign account `CAMPAIGN` is row 210 of 240.
  https://www.threads.net/@budi.santoso   "4,5 rb pengikut" (a role=button); the dialog
        opens on the Pengikut tab, its Mengikuti tab (role=tab) holds the same 240
        accounts as TikTok's.
  .../@budi.en                            the same profiles in English ("240 Following",
        "4.5K Followers", tabs "Following 240" / "Followers 4.5K"); opening the dialog
        writes its address into the history (`history.pushState`: .../followers).
  .../@budi.polos                         the same, on a page that marks nothing: the
        dialog is a plain overlay (no role=dialog), its tabs plain words with an
        "active" class, and the count's word alone listens for the click.
  .../@jebakan                            the trap: no count at all, only the bare
        controls (Follow, Following, Ikuti, Mengikuti, Followers, Pengikut), a count
        inside an "Unfollow" control, a count that links to another page, and a count
        wrapped around a bare "Mengikuti" button: nothing may be clicked.

`InteractionSite.unfollowed = True` turns the watched person's following lists into the
second state: the campaign account gone, `CAMPAIGN2` followed instead (row 230).
"""

from __future__ import annotations

import html as html_lib
import json
from typing import Any

WATCHED = {"name": "Budi Santoso", "handle": "budi.santoso"}
ENGLISH = "budi.en"
PLAIN = "budi.polos"  # a page that marks nothing: see `openDialog` in _JS
CAMPAIGN = {"name": "Paslon Nomor 1", "handle": "paslon.nomor1"}
CAMPAIGN2 = {"name": "Relawan Paslon Dua", "handle": "relawan.paslon2"}
TRAP = "jebakan"
TOTAL = 240
FOLLOWERS_TOTAL = 300
AT = 210  # the campaign account's row in the following list
AT2 = 230  # CAMPAIGN2's, once unfollowed

TT_PROFILE = f"https://www.tiktok.com/@{WATCHED['handle']}"
TT_PROFILE_EN = f"https://www.tiktok.com/@{ENGLISH}"
TH_PROFILE = f"https://www.threads.net/@{WATCHED['handle']}"
TH_PROFILE_EN = f"https://www.threads.net/@{ENGLISH}"
TT_TRAP = f"https://www.tiktok.com/@{TRAP}"
TH_TRAP = f"https://www.threads.net/@{TRAP}"

LABELS = {
    "id": {
        "following": "Mengikuti",
        "followers": "Pengikut",
        "likes": "Suka",
        "following_n": "240",
        "followers_n": "4,5 rb",
        "likes_n": "12,3 rb",
        "follow": "Ikuti",
        "message": "Pesan",
        "threads_followers": "4,5 rb pengikut",
    },
    "en": {
        "following": "Following",
        "followers": "Followers",
        "likes": "Likes",
        "following_n": "240",
        "followers_n": "4.5K",
        "likes_n": "12.3K",
        "follow": "Follow",
        "message": "Message",
        "threads_followers": "4.5K followers",
    },
}

_FIRST = ["Andi", "Siti", "Dewi", "Agus", "Rina", "Eko", "Putri", "Rudi", "Wati", "Joko"]
_LAST = ["Pratama", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kurniawan", "Permata"]


def person(i: int) -> dict[str, str]:
    first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
    return {"name": f"{first} {last}", "handle": f"{first}.{last}{i}".lower()}


def people(which: str, offset: int, limit: int, *, unfollowed: bool) -> dict[str, Any]:
    """One load of a list: `following` (the campaign account at row AT, or once
    unfollowed CAMPAIGN2 at row AT2) or `followers` (nobody watched)."""
    size = TOTAL if which == "following" else FOLLOWERS_TOTAL
    special: dict[int, dict[str, str]] = {}
    if which == "following":
        special = {AT2: CAMPAIGN2} if unfollowed else {AT: CAMPAIGN}
    items = [
        special.get(i + 1) or person(i + (0 if which == "following" else 500))
        for i in range(offset, min(offset + limit, size))
    ]
    return {"items": items, "total": size}


_STYLE = """
body{margin:0;font:15px/1.4 sans-serif;background:#fff;color:#161823}
header{max-width:900px;margin:0 auto;padding:20px}
.counts{display:flex;gap:18px;margin:10px 0}.count{cursor:pointer}
.videos{max-width:900px;margin:0 auto;display:grid;grid-template-columns:repeat(4,1fr);gap:6px}
.videos div{height:260px;background:#333}
.overlay{position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;
  justify-content:center;z-index:10}
.dialog{background:#fff;width:460px;border-radius:8px}
.dialog h2{margin:0;padding:10px;font-size:16px;text-align:center}
.tabs{display:flex;border-bottom:1px solid #ddd}.tabs [role=tab]{flex:1;padding:8px;
  text-align:center;cursor:pointer}.tabs [aria-selected=true]{border-bottom:2px solid #000}
.list{height:420px;overflow-y:auto}
.row{display:flex;align-items:center;gap:8px;height:44px;padding:0 10px;border-bottom:1px solid #eee}
.row span.avatar{width:30px;height:30px;border-radius:50%;background:#9ac}
.row button{margin-left:auto}
"""

# Shared with tests/support/interaction_site.py: a social endpoint that records any hit,
# and an element builder.
DOM_HELPERS_JS = r"""
function hit(what) { fetch('/api/social/' + what, {method: 'POST'}); }
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}
"""

_JS = (
    DOM_HELPERS_JS
    + r"""
const L = JSON.parse(document.getElementById('labels').textContent);
const P = JSON.parse(document.getElementById('profile').textContent);
// a following list's rows show the followed state: clicking it would unfollow
function row(p, which) {
  return h('div', {class: 'row'}, h('span', {class: 'avatar'}),
    h('a', {href: '/@' + p.handle}, p.handle), h('span', {}, p.name),
    which === 'following'
      ? h('button', {onclick: () => hit('unfollow-row')}, L.following)
      : h('button', {onclick: () => hit('follow-row')}, L.follow));
}
function listBox(which) {
  const box = h('div', {class: 'list'});
  let offset = 0, loading = false, total = Infinity;
  async function more() {
    if (loading || offset >= total) return;
    loading = true;
    const r = await fetch('/api/people?list=dlg_' + which + '&offset=' + offset + '&limit=20');
    const got = await r.json();
    total = got.total;
    for (const p of got.items) box.append(row(p, which));
    offset += got.items.length;
    loading = false;
  }
  box.addEventListener('scroll', () => {
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 40) more();
  });
  more();
  return box;
}
// P.plain: a page that marks nothing (no role=dialog, no role=tab, tabs with a bare word
// and an "active" class) and listens on the count's word only
function openDialog(which) {
  const old = document.getElementById('dlg');
  if (old) old.remove();
  const order = P.platform === 'threads' ? ['followers', 'following'] : ['following', 'followers'];
  const tabs = h('div', P.plain ? {class: 'tabs'} : {class: 'tabs', role: 'tablist'});
  const body = h('div', {});
  const dialog = h('div', P.plain ? {class: 'dialog'}
    : {class: 'dialog', role: 'dialog', 'aria-modal': 'true'}, h('h2', {}, P.handle), tabs, body);
  const show = (w) => {
    for (const t of tabs.children) {
      if (P.plain) t.className = t.dataset.w === w ? 'tab active' : 'tab';
      else t.setAttribute('aria-selected', String(t.dataset.w === w));
    }
    body.replaceChildren(listBox(w));
  };
  for (const w of order) {
    const t = P.plain
      ? h('span', {class: 'tab', 'data-w': w, onclick: () => show(w)}, L[w])
      : h('div', {role: 'tab', 'data-w': w, onclick: () => show(w)},
          h('span', {}, L[w]), ' ', h('span', {}, L[w + '_n']));
    tabs.append(t);
  }
  document.body.append(h('div', {class: 'overlay', id: 'dlg'}, dialog));
  show(which);
  // the English profiles write the dialog's address into the history, as some sites do
  if (P.pushState) history.pushState({}, '', location.pathname.replace(/\/$/, '') + '/' + which);
}
const fb = document.getElementById('follow');
if (fb) fb.onclick = () => hit('unfollow-profile');
for (const el of document.querySelectorAll('[data-opens]')) {
  const on = P.plain ? el.querySelector('[data-word]') || el : el;
  on.addEventListener('click', () => openDialog(el.dataset.opens));
}
for (const el of document.querySelectorAll('[data-hit]'))
  el.addEventListener('click', () => hit(el.dataset.hit));
"""
)


def _page(title: str, lang: str, profile: dict[str, str], body: str) -> bytes:
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{html_lib.escape(title)}</title><style>{_STYLE}</style></head><body>{body}"
        f"<script type='application/json' id='labels'>{json.dumps(LABELS[lang])}</script>"
        f"<script type='application/json' id='profile'>{json.dumps(profile)}</script>"
        f"<script>{_JS}</script></body></html>"
    ).encode()


def _videos() -> str:
    return "<div class='videos'>" + "<div></div>" * 8 + "</div>"


def tiktok_profile(handle: str, lang: str) -> bytes:
    t = LABELS[lang]
    body = (
        f"<header><h1 data-e2e='user-title'>{handle}</h1>"
        f"<h2 data-e2e='user-subtitle'>{WATCHED['name']}</h2>"
        f"<button id='follow' data-e2e='follow-button'>{t['following']}</button> "
        f"<button data-hit='message'>{t['message']}</button>"
        "<div class='counts'>"
        "<div class='count' data-opens='following'>"
        f"<strong title='{t['following']}' data-e2e='following-count'>{t['following_n']}</strong>"
        f" <span data-e2e='following' data-word>{t['following']}</span></div>"
        "<div class='count' data-opens='followers'>"
        f"<strong title='{t['followers']}' data-e2e='followers-count'>{t['followers_n']}</strong>"
        f" <span data-e2e='followers' data-word>{t['followers']}</span></div>"
        f"<div><strong data-e2e='likes-count'>{t['likes_n']}</strong> <span>{t['likes']}</span>"
        "</div></div><p data-e2e='user-bio'>ASN. Akun pribadi.</p></header>" + _videos()
    )
    profile = {"platform": "tiktok", "handle": handle, "plain": handle == PLAIN}
    profile["pushState"] = handle == ENGLISH
    return _page(f"{WATCHED['name']} (@{handle}) | TikTok", lang, profile, body)


def threads_profile(handle: str, lang: str) -> bytes:
    t = LABELS[lang]
    body = (
        f"<header><h1>{WATCHED['name']}</h1><div>{handle} <span>threads.net</span></div>"
        "<p>ASN. Akun pribadi.</p>"
        f"<div role='button' tabindex='0' class='count' data-opens='followers'>"
        f"{t['threads_followers'].rsplit(' ', 1)[0]} <span data-word>"
        f"{t['threads_followers'].rsplit(' ', 1)[1]}</span></div>"
        f"<button id='follow'>{t['following']}</button> "
        f"<button data-hit='mention'>{t['message']}</button></header>"
        "<main><div style='height:1200px;background:#f4f4f4'>Thread</div></main>"
    )
    profile = {"platform": "threads", "handle": handle, "plain": handle == PLAIN}
    profile["pushState"] = handle == ENGLISH
    return _page(f"{WATCHED['name']} (@{handle}) • Threads", lang, profile, body)


def trap_profile(platform: str, lang: str) -> bytes:
    bare = "".join(
        f"<button data-hit='bare-{i}'>{w}</button> "
        for i, w in enumerate(
            ["Follow", "Following", "Ikuti", "Mengikuti", "Followers", "Pengikut"]
        )
    )
    # in both languages: a count inside an unfollow control, a count that goes to another
    # page, a count wrapped around a bare followed-state button, a bare word in a
    # role=button
    tricky = "".join(
        f"<div><button aria-label='Unfollow' data-hit='unfollow-aria'>240 {w}</button></div>"
        f"<div><a href='/trap/following-page' data-hit='nav'>240 {w}</a></div>"
        f"<div role='button' data-hit='wrapped'>12 <button data-hit='wrapped-inner'>{w}"
        "</button></div>"
        f"<div role='button' data-hit='bare-role'>{w}</div>"
        for w in ("Following", "Mengikuti")
    )
    body = f"<header><h1>{TRAP}</h1>{bare}{tricky}</header>" + _videos()
    return _page(f"{TRAP} | {platform}", lang, {"platform": platform, "handle": TRAP}, body)


def profile_page(host: str, path: str, lang: str) -> bytes | None:
    """The page at `host` `path`, or None (not one of these)."""
    handle = path.strip("/").lstrip("@")
    if not path.startswith("/@") or "/" in handle:
        return None
    if handle == ENGLISH:
        lang = "en"
    platform = "tiktok" if host.endswith("tiktok.com") else "threads"
    if handle == TRAP:
        return trap_profile(platform, lang)
    if handle not in (WATCHED["handle"], ENGLISH, PLAIN):
        return None
    return tiktok_profile(handle, lang) if platform == "tiktok" else threads_profile(handle, lang)
